"""Where braze compiles to: each target's iree-compile flags and how it runs.

    from braze.targets import get_target
    target = get_target("host")
    target.flags     # ('--iree-hal-target-device=local', ...)
    target.drivers   # ('local-sync', 'local-task'): iree.runtime devices that run it here

A name may carry CPU features for the targets that take them
(`arm64-android+dotprod+i8mm`) and `get_target(..., cpu="cortex-a78")` picks
the CPU. Targets with no drivers are compile-only here for now: the mobile
Vulkan targets give wrong results on lavapipe, llvmpipe needs lavapipe
installed, and arm64 needs iree-run-module under qemu rather than iree.runtime.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

_LLVM_CPU = ("--iree-hal-target-device=local", "--iree-hal-local-target-device-backends=llvm-cpu")

# IREE's own names (iree-compile --iree-vulkan-target=...). iree-compile
# crashes on a name it does not know, so only these are ever passed on.
VULKAN_GPUS = ("valhall", "mali-g78", "mali-g720", "adreno", "adreno-740", "adreno-750",
               "vp_android_baseline_2022", "llvmpipe")

# An LLVM feature or CPU name: what may follow `+` or `cpu=`.
_LLVM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class TargetError(ValueError):
    """An unknown target name, or CPU options a target does not take."""


@dataclass(frozen=True)
class Target:
    """One compilation target.

    name:        what users type (`host`, `arm64-android+dotprod`, `vulkan-valhall`)
    flags:       the iree-compile flags that select it
    drivers:     iree.runtime devices that execute its modules on this machine,
                 preferred first; empty for a compile-only target
    description: one line for listings
    selectable_cpu: whether `cpu=` and `+features` apply (llvm-cpu cross targets)
    """

    name: str
    flags: tuple[str, ...]
    drivers: tuple[str, ...] = ()
    description: str = ""
    selectable_cpu: bool = False

    @property
    def executable(self) -> bool:
        return bool(self.drivers)

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


def _arm64(os_name: str, triple: str) -> Target:
    return Target(f"arm64-{os_name}", (*_LLVM_CPU, f"--iree-llvmcpu-target-triple={triple}"),
                  description=f"aarch64 {os_name.capitalize()} CPU ({triple}); compile-only here",
                  selectable_cpu=True)


def _vulkan(gpu: str) -> Target:
    return Target(f"vulkan-{gpu}", ("--iree-hal-target-device=vulkan", f"--iree-vulkan-target={gpu}"),
                  description=f"Vulkan SPIR-V for {gpu}; compile-only here")


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
