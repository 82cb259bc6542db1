// Package dataset reads network traffic data into tables: NSL-KDD, KDD Cup 1999
// and generic flow CSVs, with the attack → category map.
package dataset
