/**
 * The fake guest's serial console: a tiny shell that echoes what is typed and runs `;`-separated
 * commands: `echo …`, `hostname`, `NAME=value`, with `$NAME`, `"$NAME"` and `$((a op b))` expanded.
 */
import type { FakeGuest } from './fake-host.ts';

export function bootBanner(name: string): string[] {
  return [`[fake] ${name} booted\r\n`, 'KUMO-BOOT-OK\r\n# '];
}

/** Feeds typed bytes to the guest's shell; returns what the console prints back (also appended to its log). */
export function typeIntoConsole(g: FakeGuest, data: Buffer): string {
  let out = '';
  for (const ch of data.toString('utf8')) {
    if (ch === '\r' || ch === '\n') {
      const line = g.line.trim();
      g.line = '';
      out += '\r\n';
      for (const cmd of line.split(';').map((c) => c.trim()).filter(Boolean)) out += runCommand(g, cmd);
      out += '# ';
    } else if (ch === '\x7f') {
      if (g.line) {
        g.line = g.line.slice(0, -1);
        out += '\b \b';
      }
    } else {
      g.line += ch;
      out += ch;
    }
  }
  g.console.push(out);
  return out;
}

function runCommand(g: FakeGuest, cmd: string): string {
  const assign = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(cmd);
  if (assign) {
    g.env[assign[1] ?? ''] = expand(g, assign[2] ?? '');
    return '';
  }
  if (cmd === 'echo' || cmd.startsWith('echo ')) return `${expand(g, cmd.slice(5))}\r\n`;
  if (cmd === 'hostname') return `${g.spec.name}\r\n`;
  return `sh: ${cmd.split(' ')[0]}: not found\r\n`;
}

/** `$((a op b))` with integers and + - *, then `$NAME`, then quotes removed. */
function expand(g: FakeGuest, text: string): string {
  return text
    .replace(/\$\(\((\d+)\s*([-+*])\s*(\d+)\)\)/g, (_, a: string, op: string, b: string) => {
      const x = Number(a);
      const y = Number(b);
      return String(op === '+' ? x + y : op === '-' ? x - y : x * y);
    })
    .replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => g.env[name] ?? '')
    .replace(/["']/g, '');
}
