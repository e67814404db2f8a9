"""IREE as braze's backend: linalg-on-tensors text -> .vmfb through iree-compile.

iree-compile always runs as a subprocess: the `iree.compiler` Python package
and the `mlir` package braze is built on cannot share a process (each brings
its own nanobind MLIR core), so the tools are located on disk without
importing the IREE packages. The module is handed over as MLIR text because
IREE's older MLIR does not read MLIR 22 bytecode.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ..targets import Target, get_target

# How often a running compile reports its elapsed time to `progress`.
PROGRESS_INTERVAL_S = 5.0

# Which installed package ships each tool (pinned in pyproject.toml).
_TOOL_PACKAGES = {
    "iree-compile": ("iree.compiler", "_mlir_libs", "iree-base-compiler==3.13.0"),
    "iree-dump-module": ("iree._runtime_libs", "", "iree-base-runtime==3.13.0"),
    "iree-benchmark-module": ("iree._runtime_libs", "", "iree-base-runtime==3.13.0"),
    "iree-profile": ("iree._runtime_libs", "", "iree-base-runtime==3.13.0"),
}

_MAX_ERROR_LINES = 3


class BackendError(Exception):
    """iree-compile (or another IREE tool) failed; the message is for users."""


def tool_path(name: str) -> Path:
    """Path of an IREE tool binary shipped inside the IREE wheels.

    find_spec locates the package directory without running its __init__,
    which would load IREE's MLIR next to braze's.
    """
    package, subdir, requirement = _TOOL_PACKAGES[name]
    spec = importlib.util.find_spec(package)
    if spec is not None and spec.submodule_search_locations:
        for directory in spec.submodule_search_locations:
            path = Path(directory, subdir, name)
            if path.is_file():
                return path
    raise BackendError(f"{name} not found: install {requirement}")


# The op attribute braze's lowering sets on contractions that IREE should
# data-tile (passes/Lowering/Contraction.cpp).
DATA_TILING_HINT = "iree.opt.data_tiling"


def module_flags(mlir_text: str, target: Target) -> list[str]:
    """iree-compile flags a module asks for beyond its target's.

    Data tiling is enabled on CPU targets exactly when the lowering marked
    contractions for it; IREE then data-tiles only the marked ones (without
    any mark it would pack every matmul, which is slower for the large-row
    convolutions braze leaves unmarked). GPU targets ignore the marks."""
    if not target.gpu and DATA_TILING_HINT in mlir_text:
        return ["--iree-opt-data-tiling"]
    return []


def compile_to_vmfb(mlir_text: str, target: Target | str, *, output: Path | None = None,
                    extra_flags: Sequence[str] = (), dump_dir: Path | None = None,
                    progress: Callable[[str], None] | None = None) -> bytes:
    """Compiles MLIR text (func/linalg/tensor/arith/math) for `target`; returns the .vmfb bytes.

    output:      also keep the .vmfb at this path
    extra_flags: more iree-compile flags, after the target's
    dump_dir:    keep `<target>.mlir` (the input), `<target>.iree-compile.log`
                 and, without `output`, `<target>.vmfb` here. Without it they go
                 to a temporary directory, deleted on success and kept on failure.
    progress:    called with short status lines ("iree-compile host: 12.3 s")
                 every PROGRESS_INTERVAL_S while iree-compile runs, and once at the end
    A target name goes through get_target (TargetError if unknown). Raises
    BackendError naming the target, iree-compile's first error lines
    (file:line in the saved input) and the full log's path.
    """
    target = target if isinstance(target, Target) else get_target(target)
    if dump_dir is not None:
        return _compile_in(Path(dump_dir), mlir_text, target, output, extra_flags, progress)
    work_dir = Path(tempfile.mkdtemp(prefix="braze-iree-"))
    failed = False
    try:
        return _compile_in(work_dir, mlir_text, target, output, extra_flags, progress)
    except BackendError:
        failed = True  # the message points at the input and log kept in work_dir
        raise
    finally:
        if not failed:
            shutil.rmtree(work_dir, ignore_errors=True)


def _compile_in(work_dir: Path, mlir_text: str, target: Target, output: Path | None,
                extra_flags: Sequence[str], progress: Callable[[str], None] | None) -> bytes:
    work_dir.mkdir(parents=True, exist_ok=True)
    source = work_dir / f"{target.name}.mlir"
    log = work_dir / f"{target.name}.iree-compile.log"
    vmfb = Path(output) if output is not None else work_dir / f"{target.name}.vmfb"
    source.write_text(mlir_text)
    command = [str(tool_path("iree-compile")), str(source), *target.flags,
               *module_flags(mlir_text, target), *extra_flags, "-o", str(vmfb)]
    returncode = _run_logged(command, log, f"iree-compile {target.name}", progress)
    if returncode != 0:
        raise BackendError(_failure_message(target, returncode, log))
    return vmfb.read_bytes()


def _run_logged(command: list[str], log_path: Path, label: str,
                progress: Callable[[str], None] | None) -> int:
    """Runs `command` with its output in `log_path` (after a `$ command` line)."""
    start = time.monotonic()
    with open(log_path, "w") as log:
        log.write(f"$ {shlex.join(command)}\n")
        log.flush()
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT)
        try:
            returncode = _wait_reporting(process, start, label, progress)
        finally:
            if process.poll() is None:  # interrupted: do not leave the compiler running
                process.kill()
                process.wait()
    if progress:
        outcome = "done in" if returncode == 0 else "failed after"
        progress(f"{label}: {outcome} {time.monotonic() - start:.1f} s")
    return returncode


def _wait_reporting(process: subprocess.Popen, start: float, label: str,
                    progress: Callable[[str], None] | None) -> int:
    while True:
        try:
            return process.wait(timeout=PROGRESS_INTERVAL_S)
        except subprocess.TimeoutExpired:
            if progress:
                progress(f"{label}: {time.monotonic() - start:.1f} s")


def _failure_message(target: Target, returncode: int, log: Path) -> str:
    output = log.read_text(errors="replace").splitlines()[1:]  # after the `$ command` line
    errors = [line for line in output if ": error: " in line]
    shown = errors[:_MAX_ERROR_LINES] or [line for line in output if line.strip()][:1]
    how = "crashed" if returncode < 0 or returncode > 128 else "failed"
    lines = [f"iree-compile {how} for target '{target.name}' (exit {returncode}):"]
    lines += [f"  {line.strip()}" for line in shown]
    if len(errors) > len(shown):
        lines.append(f"  ({len(errors) - len(shown)} more errors)")
    lines.append(f"full log: {log}")
    return "\n".join(lines)


# One `vm.call.variadic @hal.command_buffer.dispatch` per dispatch site.
_DISPATCH_CALL = re.compile(r"\bvm\.call(?:\.variadic)? @hal\.command_buffer\.dispatch\b")
# `%r1 = vm.const.ref.rodata 7  // 41b` then `hal.executable.lookup.function`, then the dispatch.
_RODATA_REF = re.compile(r"vm\.const\.ref\.rodata (\d+)\b")
# `.rodata[  7] embedded       41 bytes `main_dispatch_1_conv_16x112x112x`...`
_RODATA_NAME = re.compile(r"\.rodata\[\s*(\d+)\]\s+embedded\s+\d+ bytes `([^`]*)`")
_EXECUTABLE = re.compile(r"^(.*?_(?:dispatch|encoding)_\d+)")
_LOAD_TIME = re.compile(r"^_(?:initializer|encoding)_\d+")


def _dump_module(vmfb: bytes | Path, output: str) -> str:
    """`iree-dump-module --output=<output>` of a module (bytes or a path)."""
    with tempfile.TemporaryDirectory(prefix="braze-iree-") as scratch:
        if isinstance(vmfb, bytes):
            path, name = Path(scratch, "module.vmfb"), "the module"
            path.write_bytes(vmfb)
        else:
            path, name = Path(vmfb), f"'{vmfb}'"
        result = subprocess.run([str(tool_path("iree-dump-module")), f"--output={output}", str(path)],
                                capture_output=True, text=True)
    if result.returncode != 0:
        first_line = (result.stderr.strip().splitlines() or ["no output"])[0]
        raise BackendError(f"iree-dump-module cannot read {name}: {first_line}")
    return result.stdout


def count_dispatches(vmfb: bytes | Path) -> int:
    """Number of dispatch sites in a compiled module.

    Counts the `hal.command_buffer.dispatch` calls in the module's VM code
    (every function, initialisers included) as `iree-dump-module` prints it;
    for straight-line models this equals the `flow.dispatch` ops of
    `iree-compile --compile-to=flow`, without compiling again.
    """
    return len(_DISPATCH_CALL.findall(_dump_module(vmfb, "disassembly")))


def dispatch_sites(vmfb: bytes | Path) -> list[str]:
    """The executable each dispatch site calls, in program order
    (`main_dispatch_3`, `_initializer_0_dispatch_0`, `_encoding_2`)."""
    rodata = {int(index): text
              for index, text in _RODATA_NAME.findall(_dump_module(vmfb, "metadata"))}
    sites, last_name = [], None
    for line in _dump_module(vmfb, "disassembly").splitlines():
        reference = _RODATA_REF.search(line)
        if reference:
            last_name = rodata.get(int(reference.group(1)))
        elif _DISPATCH_CALL.search(line):
            match = _EXECUTABLE.match(last_name or "")
            if match is None:
                raise BackendError(f"no executable name before a dispatch: {line.strip()}")
            sites.append(match.group(1))
    return sites


def is_load_time(executable: str) -> bool:
    """Whether IREE runs this executable when the module loads (initialisers,
    weight encodings) rather than on every call."""
    return bool(_LOAD_TIME.match(executable))


# `util.func public @main_group3(...` and the dispatches in its body.
_UTIL_FUNCTION = re.compile(r"^\s*util\.func (?:public |private )?@([\w$.]+)")
_FLOW_DISPATCH = re.compile(r"\bflow\.dispatch @")


def flow_dispatches_by_function(mlir_text: str, target: Target | str,
                                extra_flags: Sequence[str] = ()) -> dict[str, int]:
    """How many dispatches IREE forms in each function of `mlir_text`: the
    `flow.dispatch` ops per function after `iree-compile --compile-to=flow`
    (before code generation, so it is quick). Constant expressions IREE
    evaluates at compile time are not among them."""
    target = target if isinstance(target, Target) else get_target(target)
    with tempfile.TemporaryDirectory(prefix="braze-iree-") as scratch:
        source, flow = Path(scratch, "input.mlir"), Path(scratch, "flow.mlir")
        source.write_text(mlir_text)
        log = Path(scratch, "iree-compile.log")
        command = [str(tool_path("iree-compile")), str(source), *target.flags,
                   *module_flags(mlir_text, target), *extra_flags, "--compile-to=flow",
                   "-o", str(flow)]
        if _run_logged(command, log, f"iree-compile {target.name} (to flow)", None) != 0:
            raise BackendError(_failure_message(target, 1, log))
        counts: dict[str, int] = {}
        function = None
        for line in flow.read_text().splitlines():
            header = _UTIL_FUNCTION.match(line)
            if header:
                function = header.group(1)
                counts.setdefault(function, 0)
            elif function and _FLOW_DISPATCH.search(line):
                counts[function] += 1
    return counts
