#!/usr/bin/env bats
# container prune, image prune, system prune, system df: what is removed and what stays, docker's
# output ("Total reclaimed space"), the sizes btrfs reports, filters, and bad input changing nothing.

load helper

# a paused container's processes cannot die: thaw every group of this test's prefix first
teardown() {
	local f
	for f in /sys/fs/cgroup/freezer/"$CTR_PREFIX"/*/freezer.state; do [ -f "$f" ] && echo THAWED >"$f"; done
	for f in /sys/fs/cgroup/"$CTR_PREFIX"/*/cgroup.freeze; do [ -f "$f" ] && echo 0 >"$f"; done
	ctr_teardown
}

names() { ctr ps -a --format '{{.Names}}' | sort | paste -sd' '; }

@test "container prune: the stopped ones go (docker's output, their space), running and paused stay" {
	ctr run -d --name up busybox sleep 100
	ctr run -d --name pa busybox sleep 100
	ctr pause pa
	ctr run --name ex1 busybox true
	run ctr run --name ex2 busybox sh -c 'head -c 2000000 /dev/urandom >/junk; exit 1'
	ex1=$(cat "$CTR_ROOT/names/ex1") ex2=$(cat "$CTR_ROOT/names/ex2")
	run ctr container prune -f
	assert_success
	assert_line --index 0 'Deleted Containers:'
	assert_line "$ex1"
	assert_line "$ex2"
	assert_line --regexp '^Total reclaimed space: 2\.[0-9]+MB$'
	[ "$(names)" = "pa up" ]
	[ ! -e "$CTR_ROOT/containers/$ex1" ] && [ ! -e "$CTR_ROOT/containers/$ex2" ]
	# their names are free again
	ctr run --name ex1 busybox true
	# nothing left to prune: docker's line alone
	ctr rm ex1
	run ctr container prune -f
	assert_output 'Total reclaimed space: 0B'
}

@test "container prune: asks first (no 'y', nothing removed); --filter label, label! and until" {
	ctr run --name a -l keep=yes busybox true
	ctr run --name b -l tier=x busybox true
	ctr run --name c busybox true
	run ctr container prune <<<"n"
	assert_success
	assert_output --partial 'WARNING! This will remove all stopped containers.'
	assert_output --partial 'Are you sure you want to continue? [y/N]'
	refute_output --partial 'Deleted'
	run ctr container prune </dev/null
	[ "$(names)" = "a b c" ]
	run ctr container prune -f --filter until=1h
	[ "$(names)" = "a b c" ]
	run ctr container prune -f --filter label=tier=x
	assert_success
	[ "$(names)" = "a c" ]
	c=$(cat "$CTR_ROOT/names/c")
	run ctr container prune --filter 'label!=keep=yes' <<<"y"
	assert_success
	assert_line "$c"
	[ "$(names)" = "a" ]
	run ctr container prune -f --filter until=0s
	[ "$(names)" = "" ]
}

@test "container prune: a container whose run is still at work is left alone" {
	ctr run --name busy busybox true
	id=$(cat "$CTR_ROOT/names/busy")
	# a run holds its container's run.lock until the container has started
	flock "$CTR_ROOT/containers/$id/run.lock" sleep 30 &
	locker=$!
	wait_for sh -c "! flock -n '$CTR_ROOT/containers/$id/run.lock' true"
	run ctr container prune -f
	kill "$locker"
	wait "$locker" || true
	assert_output 'Total reclaimed space: 0B'
	[ "$(names)" = busy ]
}

@test "image prune: dangling (no name, no container) only; -a every unused one; used ones stay" {
	ctr run --name u busybox true
	d1=$(ctr commit u)
	k=$(ctr commit u keep:1)
	d2=$(ctr commit u)
	ctr run --name u2 "$d2" true
	busybox=$(ctr images | awk '$1 == "busybox:latest" { print $2 }')
	run ctr image prune -f
	assert_success
	assert_output --regexp "^Deleted Images:
deleted: $d1

Total reclaimed space: [0-9.]+k?B$"
	[ ! -e "$CTR_ROOT/images/$d1" ] && [ -d "$CTR_ROOT/images/$k" ] && [ -d "$CTR_ROOT/images/$d2" ]
	run ctr image prune -a -f
	assert_success
	assert_line 'untagged: keep:1'
	assert_line "deleted: $k"
	[ "${#lines[@]}" -eq 4 ]
	[ -d "$CTR_ROOT/images/$busybox" ] && [ -d "$CTR_ROOT/images/$d2" ]
	ctr rm u u2
	run ctr image prune -a -f
	assert_line 'untagged: busybox:latest'
	assert_line "deleted: $busybox"
	assert_line "deleted: $d2"
	# the busybox image's data was its own once its containers went
	assert_line --regexp '^Total reclaimed space: [0-9.]+MB$'
	[ -z "$(ls "$CTR_ROOT/images")" ]
	run ctr events --since 0 --until 0s --format '{{.Type}} {{.Action}}' -f event=prune
	assert_output "image prune
image prune
image prune"
}

@test "system df: images, containers, their sizes and what prune frees; system prune -f and -a" {
	ctr run -d --name up busybox sleep 100
	run ctr run --name w busybox sh -c 'head -c 3000000 /dev/urandom >/junk'
	run ctr system df
	assert_success
	assert_line --index 0 --regexp '^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$'
	assert_line --regexp '^Images +1 +1 +[0-9.]+MB +0B \(0%\)$'
	assert_line --regexp '^Containers +2 +1 +3\.[0-9]+MB +3\.[0-9]+MB \(([89][0-9]|100)%\)$'
	assert_line --regexp '^Local Volumes +0 +0 +0B +0B$'
	run ctr system df --format json
	[ "$(jq -sr 'map(.Type) | join(",")' <<<"$output")" = "Images,Containers,Local Volumes,Build Cache" ]
	run ctr system df -v
	assert_line 'Images space usage:'
	assert_line --regexp '^busybox +latest +[0-9a-f]{12} .* 2$'
	assert_line --regexp "^$(cat "$CTR_ROOT/names/w") +busybox:latest +\"sh -c head -c 30000…\" +0 +3\.[0-9]+MB .* exited +w$"
	w=$(cat "$CTR_ROOT/names/w")
	run ctr system prune -f
	assert_success
	assert_line 'Deleted Containers:'
	assert_line "$w"
	assert_line --regexp '^Total reclaimed space: 3\.[0-9]+MB$'
	[ "$(names)" = up ]
	[ -n "$(ctr images | grep busybox)" ]
	ctr rm -f up
	run ctr system prune -a -f
	assert_line 'untagged: busybox:latest'
	run ctr system df
	assert_line --regexp '^Images +0 +0 +0B +0B$'
	assert_line --regexp '^Containers +0 +0 +0B +0B$'
}

@test "prune: a bad option or filter is an error 125 and removes nothing" {
	ctr run --name s busybox true
	ctr run --name dangling busybox true
	ctr commit dangling >/dev/null
	for a in 'container prune -a' 'container prune --filter foo=1' 'container prune --filter until=soon' \
		'container prune --filter label' 'image prune --filter until=x' 'system prune --filter label=x' \
		'system prune -x' 'container rm' 'image' 'system df -x'; do
		# shellcheck disable=SC2086
		run ctr $a -f
		assert_failure 125
		assert_output --regexp '^ctr: '
	done
	[ "$(names)" = "dangling s" ]
	[ "$(ls "$CTR_ROOT/images" | wc -l)" -eq 2 ]
}
