"""
Replication in Redis's protocol: L{master} serves replicas (REPLCONF,
PSYNC, the snapshot, the stream, the backlog, WAIT); L{backlog} keeps the
stream's last bytes; L{snapshot} makes the RDB image a replica loads.
"""
