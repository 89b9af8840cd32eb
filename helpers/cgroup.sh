#!/bin/sh
# cgroup.sh - resource limits through cgroups v1 / v2. Sourced by ctr.sh. (minimal: none yet)

cg_validate() { :; }
cg_setup() { CG_DIRS=""; export CG_DIRS; }
cg_teardown() { :; }
cg_oom_killed() { echo false; }
cg_cleanup() { :; }
