"""Repository rules that make Debian's packages usable by Bazel 4.2.3 with no network."""

def _debian_rules_cc_impl(rctx):
    src = rctx.path(rctx.attr.path)
    if not src.exists:
        fail("rules_cc not found at %s: install bazel-rules-cc (./bazelw does)" % src)

    # Copy the tree, then rewrite the two files that load use_cpp_toolchain, which Bazel 4.2.3's
    # @bazel_tools//tools/cpp:toolchain_utils.bzl does not have.
    res = rctx.execute(["cp", "-R", str(src) + "/.", "."])
    if res.return_code != 0:
        fail("copying rules_cc: " + res.stderr)
    for f in [
        "cc/private/rules_impl/compiler_flag.bzl",
        "cc/private/rules_impl/cc_flags_supplier.bzl",
    ]:
        text = rctx.read(f)
        text = text.replace(
            'load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain", "use_cpp_toolchain")',
            'load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain")',
        )
        text = text.replace("use_cpp_toolchain()", '["@bazel_tools//tools/cpp:toolchain_type"]')
        rctx.file(f, text, executable = False)

debian_rules_cc = repository_rule(
    implementation = _debian_rules_cc_impl,
    attrs = {"path": attr.string(mandatory = True)},
    local = True,
)

def _empty_coverage_tools_impl(rctx):
    rctx.file("WORKSPACE", 'workspace(name = "%s")\n' % rctx.name)
    rctx.file("BUILD", """
package(default_visibility = ["//visibility:public"])
filegroup(name = "coverage_report_generator", srcs = [])
filegroup(name = "lcov_merger", srcs = [])
""")

empty_coverage_tools = repository_rule(implementation = _empty_coverage_tools_impl)

def _words(text):
    return [w for w in text.replace("\n", " ").replace("\t", " ").split(" ") if w]

def _pkg_config_repository_impl(rctx):
    pkg_config = rctx.which("pkg-config")
    if not pkg_config:
        fail("pkg-config not found: install pkg-config (./bazelw does)")
    res = rctx.execute([pkg_config, "--list-all"])
    if res.return_code != 0:
        fail("pkg-config --list-all: " + res.stderr)
    modules = sorted([
        line.split(" ")[0]
        for line in res.stdout.splitlines()
        if line.startswith(rctx.attr.module_prefix)
    ])
    if not modules:
        fail("no pkg-config module starts with %s: install the -dev package (./bazelw does)" %
             rctx.attr.module_prefix)
    lines = ['package(default_visibility = ["//visibility:public"])', ""]
    for m in modules:
        libs = rctx.execute([pkg_config, "--libs", m])
        cflags = rctx.execute([pkg_config, "--cflags", m])
        if libs.return_code != 0 or cflags.return_code != 0:
            fail("pkg-config %s: %s%s" % (m, libs.stderr, cflags.stderr))
        lines.append("cc_library(")
        lines.append('    name = "%s",' % m[len(rctx.attr.module_prefix):])
        lines.append("    copts = %s," % repr(_words(cflags.stdout)))
        lines.append("    linkopts = %s," % repr(_words(libs.stdout)))
        lines.append(")")
        lines.append("")
    rctx.file("WORKSPACE", 'workspace(name = "%s")\n' % rctx.name)
    rctx.file("BUILD", "\n".join(lines))

pkg_config_repository = repository_rule(
    implementation = _pkg_config_repository_impl,
    attrs = {"module_prefix": attr.string(mandatory = True)},
    environ = ["PKG_CONFIG_PATH"],
    local = True,
)
