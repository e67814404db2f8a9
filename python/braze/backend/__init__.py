"""Backends that turn braze's lowered IR into something that runs (IREE for now)."""

from .iree import (BackendError, compile_to_vmfb, count_dispatches, dispatch_sites,
                   flow_dispatches_by_function, is_load_time, module_flags, tool_path)

__all__ = ["BackendError", "compile_to_vmfb", "count_dispatches", "dispatch_sites",
           "flow_dispatches_by_function", "is_load_time", "module_flags", "tool_path"]
