-- record-connection: records the new connection of workers whose connection to Redis dropped
-- and came back, before a process watching them takes the old one's close for their death.
-- KEYS  the queue's keys (see QUEUE_KEYS in lib.lua)
-- ARGV[1] the connection (see record_connection), ARGV[2..] worker ids
--@include lib
for k = 2, #ARGV do record_connection(ARGV[k], ARGV[1]) end
