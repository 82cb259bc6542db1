// Command fleet is a scoring fleet on NATS JetStream that loses no record:
// probes publish flow records to a stream, any number of scorer processes
// share them through one durable pull consumer (a work queue), and each
// record gets exactly one verdict in an alerts stream, whatever process or
// server dies on the way.
//
// # The streams
//
//   - FLOWS (subjects flows.>): a work-queue stream of flow records, one
//     record a message (see Records), with file storage. A probe
//     publishes to flows.NAME with the message ID NAME-LINE; the stream
//     de-duplicates IDs, so a probe that repeats a publication (after a
//     timeout, a restart, a server failing over) stores nothing twice. It
//     holds at most -max-flows records and refuses more (discard new): the
//     probe then waits and retries, so a fleet that falls behind slows the
//     probes instead of making the server buffer without bound.
//   - the durable pull consumer "scorers" on FLOWS, with explicit
//     acknowledgement, an AckWait after which an unacknowledged record is
//     delivered again (to any scorer), and MaxAckPending, the most records
//     delivered and unacknowledged over the whole fleet.
//   - ALERTS (subjects alerts.>): one verdict per record, published under
//     the record's ID as message ID, so that the verdict of a redelivered
//     record is de-duplicated: alerts.attack (score, decision, label when
//     the record has one, and the raw columns that explain it, TreeSHAP
//     through the bundle), alerts.benign (the score), and the dead-letter
//     subject alerts.dead (the parse error and the record's text).
//
// # Records
//
// A scorer's -format says what its messages hold, one record each (a line
// break in a message is an error):
//
//   - nslkdd (the default): an NSL-KDD line, the 43 fields of KDDTrain+.txt
//     (41 columns, the label, the difficulty);
//   - kdd99: a KDD Cup 1999 line (41 columns and the label);
//   - csv: a CSV record (RFC 4180) without its header. The header line is
//     part of the scorer's configuration, -header LINE or -header @FILE
//     (the first line of FILE, e.g. the exported CSV itself), since every
//     record of the stream has the same columns and a message carries one
//     record: its columns may come in any order, those the bundle does not
//     use are dropped, and every column of the bundle's schema must be
//     there (else the scorer refuses to start). -comma sets the separator,
//     -label the label's column ("label" by default);
//   - json: one flat JSON object (RFC 8259) whose names are the column
//     names of the bundle's schema, plus the label ("label", or -label).
//     A missing column, a name that is no column, a nested value or broken
//     syntax is a parse error.
//
// Numeric fields of csv and json records are read under the record policy
// the bundle's pipeline was fitted with (empty fields, missing-value
// tokens, NaN). Every record that does not parse goes to the dead-letter
// subject with its error and is acknowledged.
//
// # A scorer
//
// A scorer takes a batch of at most -batch records (Consume keeps pull
// requests of that size outstanding, so a scorer holds at most three
// batches however large the backlog), parses and scores each record with
// the bundle, publishes every verdict asynchronously, waits until the
// server has acknowledged every one (they are durable), and only then
// acknowledges the records. A scorer killed at any point (SIGKILL, a
// machine lost) has acknowledged nothing of its current batch: the records
// come again to another scorer after AckWait, and the verdicts the first
// one published before dying are de-duplicated. At-least-once delivery,
// exactly one verdict per record. A record that cannot be parsed is
// dead-lettered and acknowledged: it is never redelivered forever. SIGINT
// or SIGTERM finishes the batch in hand, then stops.
//
// The scorer sees the broker through two small interfaces: a Source of
// batches that it acknowledges, and a Sink of verdicts keyed by record ID
// that it flushes; a Kafka consumer group and an idempotent producer fit
// them as well.
//
// # Commands
//
//	nats-server -js -sd /var/lib/nats -a 127.0.0.1 -p 4222 &
//	fleet setup -nats nats://127.0.0.1:4222
//	fleet score -nats nats://127.0.0.1:4222 -bundle xgb.nwb -batch 256 &   # as many as needed, any host
//	fleet score -nats nats://127.0.0.1:4222 -bundle xgb.nwb -format csv -header @flows.csv &
//	fleet score -nats nats://127.0.0.1:4222 -bundle xgb.nwb -format json &
//	tail -n +2 flows.csv | fleet probe -nats nats://127.0.0.1:4222 -name probe2 -   # the records without their header
//	fleet probe -nats nats://127.0.0.1:4222 -name probe1 KDDTest+.txt
//	fleet count -nats nats://127.0.0.1:4222
//	fleet bench -input KDDTest+.txt -bundle xgb.nwb -scorers 1,2 -batch 64,256,1024
//
// A bundle comes from examples/xgboost -bundle (or any netwarden bundle of
// the NSL-KDD schema); -train-demo trains a demo Isolation Forest on
// synthetic traffic instead. On a three-server cluster, give every URL to
// -nats and -replicas 3 to setup. bench starts its own nats-server (from
// the PATH, or NATS_SERVER) on a loopback port with its store in a
// temporary directory, and prints records/s for each fleet size and batch
// size (a backlog drained) and the p50/p99 latency from a record's storing
// in FLOWS to its verdict's storing in ALERTS at a fixed offered rate.
//
// The tests start real nats-server processes (Debian's 2.9) on loopback
// ports, with their stores in temporary directories, and skip when there is
// none: a scorer killed with SIGKILL in the middle of a batch, records that
// do not parse (in each format: NSL-KDD lines, CSV and JSON records), the server killed and restarted on its file store, a
// three-server cluster (replicas 3) losing its stream leader, and a slow
// scorer beside a fast one with a small stream; each counts records in and
// out and prints the counts.
package main
