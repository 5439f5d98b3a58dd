/** English text of the graphical console and screenshots; spread into messages-en.ts. */
export const consoleEn = {
  'inst.consoles': 'Consoles',
  'vnc.title': 'Graphical console',
  'vnc.hint': 'Connected. Click the screen to type; keys and the mouse go to the guest.',
  'vnc.ctrlAltDel': 'Send Ctrl-Alt-Del',
  'vnc.closedByGuest': 'the guest\'s display closed the connection',
  'vnc.lost': 'the connection was lost or refused',
  'vnc.thumbnail': 'Screen',
  'vnc.thumbnailAlt': 'The guest\'s screen',
} as const;
