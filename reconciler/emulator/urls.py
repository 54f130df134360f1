"""URL routing for the emulator backend (moto finds it beside models.py by module name)."""

from moto.bedrockagentcorecontrol.urls import url_bases

from reconciler.emulator.responses import EmulatorResponse

__all__ = ["url_bases", "url_paths"]

url_paths = {"{0}/.*$": EmulatorResponse.dispatch}
