#!/bin/sh
# pull.sh - images from registries (Docker Registry v2 / OCI distribution API). Sourced by ctr.sh.
