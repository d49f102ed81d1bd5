"""The MCP server (`fitvault mcp`): read-only tools over the vault for AI assistants.

Needs the ``mcp`` extra (``pip install 'fitvault[mcp]'``); :mod:`fitvault.mcp.server` builds
and runs it, :mod:`fitvault.mcp.tools` computes each tool's result from the pandas API.
"""

#: ``fitvault mcp --http`` listens on 127.0.0.1 at this port unless ``--port`` says otherwise.
DEFAULT_PORT = 8765
