"""`fitvault mcp`: serve the vault to AI assistants over the Model Context Protocol."""

from __future__ import annotations

import click

from fitvault.cli.app import App, cli, err_console, handle_errors
from fitvault.errors import ConfigError
from fitvault.mcp import DEFAULT_PORT
from fitvault.store.readonly import vault_database


@cli.command("mcp")
@click.option("--http", "http", is_flag=True,
              help="Serve streamable HTTP on http://127.0.0.1:PORT/mcp instead of stdio.")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port for --http (always on 127.0.0.1).")
@click.pass_obj
@handle_errors
def mcp_command(app: App, http: bool, port: int) -> None:
    """Serve the vault read-only to an AI assistant (Model Context Protocol).

    By default it speaks MCP over stdin/stdout: register the command `fitvault mcp` (with
    `--vault DIR` for another vault) in Claude Desktop, VS Code, Cursor ... (docs/mcp.md).
    Tools: vault_overview, daily_summary, heart_rate, sleep, exercises, vitals_trend, chart
    (PNG), sql. Nothing is written, synced or sent anywhere; the token is never read.
    """
    vault_database(app.paths.root)  # no vault: the CLI's error now, not at the first tool call
    try:
        from fitvault.mcp.server import serve
    except ImportError as exc:
        raise ConfigError(f"`fitvault mcp` needs the MCP Python SDK, which cannot be imported ({exc}): "
                          "pip install 'mcp>=2.3,<3' (fitvault's mcp extra)") from exc
    if http:
        err_console.print(f"serving the vault {app.paths.root} read-only over MCP at http://127.0.0.1:{port}/mcp "
                          "(Ctrl+C stops it)", markup=False, soft_wrap=True)
    serve(app.paths.root, http=http, port=port)
