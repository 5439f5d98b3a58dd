/** グラフィカルコンソールとスクリーンショットの日本語テキスト（messages-ja.ts に展開）。 */
export const consoleJa = {
  'inst.consoles': 'コンソール',
  'vnc.title': 'グラフィカルコンソール',
  'vnc.hint': '接続しました。画面をクリックして入力してください。キーとマウスはゲストに送られます。',
  'vnc.ctrlAltDel': 'Ctrl-Alt-Del を送信',
  'vnc.closedByGuest': 'ゲストの画面が接続を閉じました',
  'vnc.lost': '接続が切れたか、拒否されました',
  'vnc.thumbnail': '画面',
  'vnc.thumbnailAlt': 'ゲストの画面',
} as const;
