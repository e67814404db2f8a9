"""Running aarch64 modules on an x86 machine: IREE's aarch64 tools under qemu.

    from braze import emulation
    outputs = emulation.run_module("m.vmfb", [x], num_results=1)   # numpy arrays

What it takes, each found or fetched once and kept in braze's cache
(`$BRAZE_CACHE_DIR`, else `$XDG_CACHE_HOME/braze`, else `~/.cache/braze`):

- `qemu-aarch64-static` (Debian `qemu-user-static`), called explicitly: no
  binfmt_misc registration is needed. `$BRAZE_QEMU` names the binary;
  `$BRAZE_QEMU_PATH` replaces `$PATH` for finding it.
- the aarch64 `iree-run-module` / `iree-benchmark-module` of the same
  iree-base-runtime release as the installed one, taken from its
  manylinux aarch64 wheel (`pip download`; needs the network once).
  `$BRAZE_AARCH64_IREE_TOOLS` names a directory that already holds them.
- an aarch64 glibc + libstdc++ for the dynamic loader: Debian's cross
  libraries when installed (`apt-get install libc6-arm64-cross
  libstdc++6-arm64-cross libgcc-s1-arm64-cross` puts them in
  /usr/aarch64-linux-gnu), else unpacked from the same packages into the
  cache (`apt-get download` + `dpkg-deb -x`). `$BRAZE_AARCH64_SYSROOT` names
  another one (the directory holding lib/ld-linux-aarch64.so.1).

Every missing piece raises EmulationError with one line that says what to
install or set.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

# The aarch64 tools braze runs; both come from the iree-base-runtime wheel.
TOOLS = ("iree-run-module", "iree-benchmark-module")
# Debian's aarch64 runtime libraries (Architecture: all, installable on x86).
CROSS_PACKAGES = ("libc6-arm64-cross", "libstdc++6-arm64-cross", "libgcc-s1-arm64-cross")
QEMU_NAMES = ("qemu-aarch64-static", "qemu-aarch64")
_LOADER = "lib/ld-linux-aarch64.so.1"
_SYSTEM_SYSROOT = Path("/usr/aarch64-linux-gnu")
_DEFAULT_RUNTIME_VERSION = "3.13.0"
_RUN_TIMEOUT_S = 600


class EmulationError(RuntimeError):
    """Something emulation needs is missing or failed; the message is one line for users."""


def is_aarch64_machine() -> bool:
    """Whether this machine runs aarch64 code natively (no emulation needed)."""
    return platform.machine().lower() in ("aarch64", "arm64")


def cache_dir() -> Path:
    """braze's cache: $BRAZE_CACHE_DIR, else $XDG_CACHE_HOME/braze, else ~/.cache/braze."""
    if os.environ.get("BRAZE_CACHE_DIR"):
        return Path(os.environ["BRAZE_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "braze")


def runtime_version() -> str:
    """The installed iree-base-runtime's version: the aarch64 tools must match it."""
    try:
        return importlib.metadata.version("iree-base-runtime")
    except importlib.metadata.PackageNotFoundError:
        return _DEFAULT_RUNTIME_VERSION


# ---------------------------------------------------------------- qemu

def find_qemu() -> Path:
    """The qemu user-mode emulator for aarch64."""
    explicit = os.environ.get("BRAZE_QEMU")
    if explicit:
        if not (os.path.isfile(explicit) and os.access(explicit, os.X_OK)):
            raise EmulationError(f"BRAZE_QEMU='{explicit}' is not an executable file")
        return Path(explicit)
    search_path = os.environ.get("BRAZE_QEMU_PATH")  # None: $PATH
    for name in QEMU_NAMES:
        found = shutil.which(name, path=search_path)
        if found:
            return Path(found)
    raise EmulationError(
        "running aarch64 modules on this machine needs qemu-aarch64-static, which is not "
        "installed: install it with `apt-get install qemu-user-static` (or set BRAZE_QEMU)")


# ---------------------------------------------------------------- aarch64 IREE tools

def aarch64_tools() -> Path:
    """A directory holding the aarch64 iree-run-module and iree-benchmark-module."""
    explicit = os.environ.get("BRAZE_AARCH64_IREE_TOOLS")
    if explicit:
        missing = [tool for tool in TOOLS if not Path(explicit, tool).is_file()]
        if missing:
            raise EmulationError(f"BRAZE_AARCH64_IREE_TOOLS='{explicit}' has no {', '.join(missing)}")
        return Path(explicit)
    version = runtime_version()
    directory = cache_dir() / "aarch64" / f"iree-base-runtime-{version}"
    if all((directory / tool).is_file() for tool in TOOLS):
        return directory
    _fetch_tools(version, directory)
    return directory


def _fetch_tools(version: str, directory: Path) -> None:
    requirement = f"iree-base-runtime=={version}"
    directory.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="braze-wheel-", dir=directory.parent) as scratch:
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                   "--platform", "manylinux_2_28_aarch64", "--python-version", "3.11",
                   "--only-binary=:all:", "--dest", scratch, requirement]
        result = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        wheels = sorted(Path(scratch).glob("*.whl"))
        if result.returncode != 0 or not wheels:
            reason = _last_line(result.stderr) or _last_line(result.stdout) or f"exit {result.returncode}"
            raise EmulationError(
                f"cannot download the aarch64 {requirement} wheel for its iree-run-module "
                f"(pip download: {reason}): connect to PyPI once, or set BRAZE_AARCH64_IREE_TOOLS "
                f"to a directory with aarch64 {' and '.join(TOOLS)}")
        staged = Path(scratch, "tools")
        staged.mkdir()
        with zipfile.ZipFile(wheels[0]) as wheel:
            for tool in TOOLS:
                try:
                    data = wheel.read(f"iree/_runtime_libs/{tool}")
                except KeyError:
                    raise EmulationError(f"{wheels[0].name} has no iree/_runtime_libs/{tool}")
                (staged / tool).write_bytes(data)
                (staged / tool).chmod(0o755)
        _publish(staged, directory)


def _publish(staged: Path, directory: Path) -> None:
    """Moves a finished directory into place; a concurrent fetch that won the race is kept."""
    try:
        staged.rename(directory)
    except OSError:
        if not directory.is_dir():
            shutil.rmtree(directory, ignore_errors=True)
            staged.rename(directory)


# ---------------------------------------------------------------- sysroot

def aarch64_sysroot() -> Path:
    """The directory qemu's -L gets: it holds lib/ld-linux-aarch64.so.1 and the libraries."""
    explicit = os.environ.get("BRAZE_AARCH64_SYSROOT")
    if explicit:
        if not Path(explicit, _LOADER).exists():
            raise EmulationError(f"BRAZE_AARCH64_SYSROOT='{explicit}' has no {_LOADER}")
        return Path(explicit)
    if _complete_sysroot(_SYSTEM_SYSROOT):
        return _SYSTEM_SYSROOT
    root = cache_dir() / "aarch64" / "sysroot"
    sysroot = root / "usr" / "aarch64-linux-gnu"
    if not _complete_sysroot(sysroot):
        _unpack_sysroot(root)
    return sysroot


def _complete_sysroot(sysroot: Path) -> bool:
    return all(Path(sysroot, "lib", name).exists()
               for name in ("ld-linux-aarch64.so.1", "libc.so.6", "libstdc++.so.6", "libgcc_s.so.1"))


def _unpack_sysroot(root: Path) -> None:
    install = f"apt-get install {' '.join(CROSS_PACKAGES)}"
    if not (shutil.which("apt-get") and shutil.which("dpkg-deb")):
        raise EmulationError(f"no aarch64 libraries for qemu and no apt-get/dpkg-deb to fetch them: "
                             f"`{install}` on Debian/Ubuntu, or set BRAZE_AARCH64_SYSROOT")
    root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="braze-sysroot-", dir=root.parent) as scratch:
        debs = Path(scratch, "debs")
        debs.mkdir()
        result = subprocess.run(["apt-get", "download", *CROSS_PACKAGES], cwd=debs,
                                capture_output=True, text=True, stdin=subprocess.DEVNULL)
        packages = sorted(debs.glob("*.deb"))
        if result.returncode != 0 or len(packages) < len(CROSS_PACKAGES):
            reason = _last_line(result.stderr) or f"exit {result.returncode}"
            raise EmulationError(f"cannot fetch the aarch64 libraries for qemu (apt-get download: "
                                 f"{reason}): run `apt-get update`, or `{install}`")
        staged = Path(scratch, "sysroot")
        for package in packages:
            unpacked = subprocess.run(["dpkg-deb", "-x", str(package), str(staged)],
                                      capture_output=True, text=True)
            if unpacked.returncode != 0:
                raise EmulationError(f"dpkg-deb cannot unpack {package.name}: "
                                     f"{_last_line(unpacked.stderr)}")
        shutil.rmtree(root, ignore_errors=True)  # an incomplete earlier attempt
        _publish(staged, root)


# ---------------------------------------------------------------- running

def tool_command(tool: str, arguments: Sequence[str]) -> list[str]:
    """The command line that runs aarch64 `tool` (iree-run-module, ...) under qemu."""
    if tool not in TOOLS:
        raise ValueError(f"unknown aarch64 tool '{tool}' (known: {', '.join(TOOLS)})")
    qemu = find_qemu()
    sysroot = aarch64_sysroot()
    return [str(qemu), "-L", str(sysroot), str(aarch64_tools() / tool), *arguments]


def run_module(vmfb: bytes | str | os.PathLike, inputs: Sequence[np.ndarray], *, num_results: int,
               function: str = "main", device: str = "local-sync") -> list[np.ndarray]:
    """Calls `function` of an aarch64 module with the aarch64 iree-run-module under qemu.

    Inputs travel as .npy files; the function's `num_results` results come
    back the same way (iree-run-module needs one --output per result).
    Raises EmulationError when qemu, the tools or the sysroot are missing, or
    when iree-run-module fails (its IREE status line).
    """
    with tempfile.TemporaryDirectory(prefix="braze-qemu-") as scratch:
        if isinstance(vmfb, bytes):
            module = Path(scratch, "module.vmfb")
            module.write_bytes(vmfb)
        else:
            module = Path(vmfb).resolve()
        arguments = [f"--device={device}", f"--module={module}", f"--function={function}"]
        for index, array in enumerate(inputs):
            path = Path(scratch, f"input{index}.npy")
            np.save(path, np.ascontiguousarray(array))
            arguments.append(f"--input=@{path}")
        outputs = [Path(scratch, f"output{index}.npy") for index in range(num_results)]
        arguments += [f"--output=@{path}" for path in outputs]
        command = tool_command("iree-run-module", arguments)
        try:
            result = subprocess.run(command, capture_output=True, text=True, cwd=scratch,
                                    stdin=subprocess.DEVNULL, timeout=_RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise EmulationError(f"iree-run-module under qemu did not finish in {_RUN_TIMEOUT_S} s")
        if result.returncode != 0:
            status = _iree_status(result.stderr) or _last_line(result.stdout) or f"exit {result.returncode}"
            raise EmulationError(f"@{function} failed under qemu-aarch64: {status}")
        return [np.load(path, allow_pickle=False) for path in outputs]


def _iree_status(stderr: str) -> str:
    """IREE's status text from a tool's stderr, without the C source location."""
    for line in stderr.splitlines():
        if ": " in line and ".c:" in line.split(": ", 1)[0]:
            return line.split(": ", 1)[1].strip()
    return _last_line(stderr)


def _last_line(text: str | None) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""
