// Package netwarden detects attacks and anomalies in network traffic, in pure Go.
package netwarden
