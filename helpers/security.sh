#!/bin/sh
# security.sh - run's security options (capabilities, user, seccomp, user namespace, volumes,
# read-only root) and their translation into nsenter-chroot options. Sourced by ctr.sh.
# (placeholder: no option yet; the defaults of nsenter-chroot apply)

# sec_opt "$@": if $1 is a security option of run, record it and set SEC_SHIFT to the number of
# words it took; else return 1.
sec_opt() { return 1; }
# sec_validate: check the recorded options before anything is created (die on bad input).
sec_validate() { :; }
# sec_alloc CID: (under ctr.sh's lock) reserve what the options need, e.g. a user-namespace range.
sec_alloc() { :; }
# sec_config: the JSON object stored as .security in the container's config.json.
sec_config() { printf '{}\n'; }
# sec_argv CONFIG: nsenter-chroot options for the container of CONFIG, quoted for eval (run and exec).
sec_argv() { :; }
# sec_teardown CID: release what sec_alloc reserved (idempotent).
sec_teardown() { :; }
