"""Where braze compiles to: each target's iree-compile flags and how it runs here.

    from braze.targets import get_target, names
    target = get_target("arm64-android+dotprod", cpu="cortex-a78")
    target.flags        # the iree-compile flags that select it
    target.drivers      # IREE devices that run its modules ('local-sync', 'local-task')
    target.execution()  # how this machine runs them: 'iree.runtime local-sync',
                        # 'qemu-aarch64 + aarch64 iree-run-module' or 'compile-only'

Names: `host`; `arm64-android` and `arm64-linux`, which take a CPU
(`cpu="cortex-a78"`) and CPU features (`arm64-linux+dotprod+i8mm`);
`vulkan-<gpu>` for the GPUs IREE 3.13 knows (VULKAN_GPUS). An unknown name is
a TargetError listing the valid ones: iree-compile itself crashes on an
unknown Vulkan target, so names are checked before it is called.

How targets execute on this machine (braze.runtime.run(..., target=...)):
- host: iree.runtime in process (local-sync, local-task);
- arm64-*: natively in process on an aarch64 machine, elsewhere with the
  aarch64 iree-run-module under qemu-aarch64-static (braze.emulation);
- vulkan-llvmpipe: iree.runtime's vulkan driver on Mesa's lavapipe;
- the mobile-GPU Vulkan targets are compile-only: their kernels assume the
  wider subgroups of those GPUs and give wrong results on lavapipe. Like
  arm64-android they are meant for a phone (`braze compile` writes the adb
  commands, braze.phone).
"""

from __future__ import annotations

import dataclasses
import platform
import re
from dataclasses import dataclass
from pathlib import Path

_LLVM_CPU = ("--iree-hal-target-device=local", "--iree-hal-local-target-device-backends=llvm-cpu")

# IREE's own names (iree-compile --iree-vulkan-target=...). iree-compile
# crashes on a name it does not know, so only these are ever passed on.
VULKAN_GPUS = ("valhall", "mali-g78", "mali-g720", "adreno", "adreno-740", "adreno-750",
               "vp_android_baseline_2022", "llvmpipe")

# platform.machine() spellings of the architectures in Target.cpu_arch.
_ARCH_ALIASES = {"arm64": "aarch64", "amd64": "x86_64"}

# An LLVM feature or CPU name: what may follow `+` or `cpu=`.
_LLVM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class TargetError(ValueError):
    """An unknown target name, or CPU options a target does not take."""


@dataclass(frozen=True)
class Target:
    """One compilation target.

    name:        what users type (`host`, `arm64-android+dotprod`, `vulkan-valhall`)
    flags:       the iree-compile flags that select it
    drivers:     IREE devices (`--device`) that execute its modules on this machine,
                 preferred first; empty for a compile-only target
    description: one line for listings
    selectable_cpu: whether `cpu=` and `+features` apply (llvm-cpu cross targets)
    cpu_arch:    the CPU architecture its code is for, when that is fixed
                 ('aarch64'); None for the host and GPU targets. Off that
                 architecture the module runs under emulation.
    compile_only_reason: why a target without drivers cannot run here
    phone:       meant for an Android phone: `braze compile` writes adb commands
    """

    name: str
    flags: tuple[str, ...]
    drivers: tuple[str, ...] = ()
    description: str = ""
    selectable_cpu: bool = False
    cpu_arch: str | None = None
    compile_only_reason: str = ""
    phone: bool = False

    @property
    def executable(self) -> bool:
        """Whether its modules run on this machine (natively, on lavapipe or under qemu)."""
        return bool(self.drivers)

    @property
    def gpu(self) -> bool:
        return "vulkan" in self.drivers or "--iree-hal-target-device=vulkan" in self.flags

    @property
    def codegen(self) -> str:
        """The IREE code generator its modules go through, which braze's
        layout choice and lowering follow: "gpu" (SPIR-V) or "cpu" (llvm-cpu)."""
        return "gpu" if self.gpu else "cpu"

    @property
    def vector_lanes(self) -> int | None:
        """f32 lanes of the vectors its CPU code is generated for, which
        braze-tile-contractions tiles matrix products by: the host's widest.
        None (IREE's own tiles) for GPUs and for arm64, whose tiles are not
        measured here (qemu runs them, it does not time them)."""
        if self.gpu or self.cpu_arch is not None:
            return None
        return host_vector_lanes()

    def emulated(self, machine: str | None = None) -> bool:
        """Whether its modules need an emulator on `machine` (default: this one)."""
        if self.cpu_arch is None:
            return False
        machine = (machine or platform.machine()).lower()
        return _ARCH_ALIASES.get(machine, machine) != self.cpu_arch

    def execution(self, machine: str | None = None) -> str:
        """How `machine` (default: this one) runs the target's modules, in a few words."""
        if not self.executable:
            return "compile-only"
        if self.emulated(machine):
            return f"qemu-{self.cpu_arch} + {self.cpu_arch} iree-run-module ({self.drivers[0]})"
        if self.gpu:
            return "iree.runtime vulkan driver (lavapipe here)"
        return f"iree.runtime {', '.join(self.drivers)}"

    def with_cpu(self, cpu: str | None = None, features: tuple[str, ...] = ()) -> Target:
        """This target for a given CPU name and/or extra CPU features."""
        if not (cpu or features):
            return self
        if not self.selectable_cpu:
            raise TargetError(f"target '{self.name}' takes no CPU name or +features")
        for value in ((cpu,) if cpu else ()) + features:
            if not _LLVM_NAME.fullmatch(value):
                raise TargetError(f"invalid CPU name or feature '{value}' for target '{self.name}'")
        flags = list(self.flags)
        if cpu:
            flags.append(f"--iree-llvmcpu-target-cpu={cpu}")
        if features:
            flags.append("--iree-llvmcpu-target-cpu-features=" + ",".join("+" + f for f in features))
        name = "+".join((self.name, *features))
        return dataclasses.replace(self, name=name, flags=tuple(flags))


def host_vector_lanes(cpuinfo: str | None = None) -> int | None:
    """f32 lanes of this machine's widest vectors, from /proc/cpuinfo (or the
    text given): 16 with AVX-512, 8 with AVX, 4 for SSE and arm64's NEON;
    None where it cannot tell."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return None
    flags = set()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            flags.update(value.split())
    if not flags:
        return None
    if "avx512f" in flags:
        return 16
    if "avx" in flags:
        return 8
    return 4


def _arm64(os_name: str, triple: str) -> Target:
    return Target(f"arm64-{os_name}", (*_LLVM_CPU, f"--iree-llvmcpu-target-triple={triple}"),
                  ("local-sync", "local-task"),
                  f"aarch64 {'Android' if os_name == 'android' else 'Linux'} CPU ({triple})",
                  selectable_cpu=True, cpu_arch="aarch64", phone=os_name == "android")


# Mesa's lavapipe (a CPU Vulkan driver) runs llvmpipe-targeted code correctly;
# the mobile GPUs' kernels assume their wider subgroups and come out wrong on it.
_MOBILE_GPU_REASON = ("its kernels assume {gpu} GPUs' subgroup size, wider than lavapipe's, so "
                      "they give wrong results on this machine's Vulkan: run it on the phone, "
                      "or use vulkan-llvmpipe here")
_BASELINE_REASON = ("it is built for the Android Vulkan baseline profile and only compile-checked "
                    "here: run it on the phone, or use vulkan-llvmpipe here")


def _vulkan(gpu: str) -> Target:
    flags = ("--iree-hal-target-device=vulkan", f"--iree-vulkan-target={gpu}")
    if gpu == "llvmpipe":
        return Target(f"vulkan-{gpu}", flags, ("vulkan",),
                      "Vulkan SPIR-V for Mesa's llvmpipe/lavapipe (a CPU Vulkan driver)")
    if gpu.startswith("vp_android_baseline"):
        return Target(f"vulkan-{gpu}", flags,
                      description="Vulkan SPIR-V for any GPU with Android's 2022 baseline profile",
                      compile_only_reason=_BASELINE_REASON, phone=True)
    vendor = "Arm Mali" if gpu in ("valhall", "mali-g78", "mali-g720") else "Qualcomm Adreno"
    return Target(f"vulkan-{gpu}", flags, description=f"Vulkan SPIR-V for {vendor} GPUs ({gpu})",
                  compile_only_reason=_MOBILE_GPU_REASON.format(gpu=vendor), phone=True)


_REGISTRY: dict[str, Target] = {
    target.name: target
    for target in (
        Target("host", (*_LLVM_CPU, "--iree-llvmcpu-target-cpu=host"), ("local-sync", "local-task"),
               "this machine's CPU (llvm-cpu, -mcpu=host)"),
        _arm64("android", "aarch64-linux-android34"),
        _arm64("linux", "aarch64-unknown-linux-gnu"),
        *(_vulkan(gpu) for gpu in VULKAN_GPUS),
    )
}


def names() -> list[str]:
    """Every registered target name, in registration order."""
    return list(_REGISTRY)


def register(target: Target) -> None:
    """Add a target (or replace one of the same name)."""
    _REGISTRY[target.name] = target


def get_target(name: str, *, cpu: str | None = None) -> Target:
    """The target called `name` (`base[+feature...]`), optionally for CPU `cpu`.

    Raises TargetError, naming the valid targets, for an unknown base name.
    """
    base, *features = name.split("+")
    target = _REGISTRY.get(base)
    if target is None:
        raise TargetError(f"unknown target '{base}' (valid: {', '.join(names())})")
    return target.with_cpu(cpu, tuple(features))
