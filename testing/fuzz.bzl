"""cc_fuzz_test: a libFuzzer target that is also an ordinary test.

In a normal build (and under --config=asan) the target links fuzz_replay_main, which runs
LLVMFuzzerTestOneInput over every file of its corpus directory testdata/fuzz/<name>/, so CI
replays the corpus. Under --config=fuzz it links libFuzzer's own main instead:

    ./bazelw build --config=fuzz //lib/dns:parser_fuzz
    bazel-bin/lib/dns/parser_fuzz -max_total_time=600 testdata/fuzz/parser_fuzz
"""

def cc_fuzz_test(name, srcs, deps = [], **kwargs):
    corpus = "testdata/fuzz/" + name
    native.cc_test(
        name = name,
        srcs = srcs,
        deps = deps + select({
            "//testing:libfuzzer": [],
            "//conditions:default": ["//testing:fuzz_replay_main"],
        }),
        linkopts = select({
            "//testing:libfuzzer": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        args = [corpus],
        data = ["//testdata:fuzz_corpora"],
        **kwargs
    )
