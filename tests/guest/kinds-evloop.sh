# shellcheck shell=sh
# Sourced by run-tests.sh: an event loop (epoll over an eventfd, a timerfd,
# a signalfd and a socketpair to a child) checkpointed while it is busy
# keeps serving after restart (tests/guest/evloop.c).
ALL_TESTS="$ALL_TESTS evloop"
KIND_PROCS="$KIND_PROCS evloop"

t_evloop() { std_test evloop evloop; }
