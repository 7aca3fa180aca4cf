# tests/fuzz/options.sh - libFuzzer options of each harness, shared by
# tests/fuzz/run (make fuzz) and tests/t-fuzz.sh. Source it.

# fuzz_options DIR NAME: options for harness NAME besides the common
# ones: the longest input, and its dictionary when it has one.
fuzz_options() {
    case $2 in
    map) echo "-max_len=16384" ;;
    *) echo "-max_len=8192" ;;
    esac
    [ -f "$1/dict/$2.dict" ] && echo "-dict=$1/dict/$2.dict"
}

# Common options: an input may take 10 s and 2 GB, no more.
FUZZ_COMMON="-timeout=10 -rss_limit_mb=2048"
