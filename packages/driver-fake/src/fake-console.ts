/** The fake guest's serial console: a tiny shell that echoes and answers `echo …` and `hostname`. */
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
      if (line.startsWith('echo ')) out += `${line.slice(5)}\r\n`;
      else if (line === 'hostname') out += `${g.spec.name}\r\n`;
      else if (line) out += `sh: ${line.split(' ')[0]}: not found\r\n`;
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
