"""The worker role: `shelfwise worker` claims queued jobs (`shelfwise.jobs`, the queue store) and
runs them (`kinds.py`: index rebuilds and every training job), with heartbeats, progress and a
job log; `serve` starts one as a child process (`worker_child`). Above the service: it is the
process that trains, so that serving processes never do."""
