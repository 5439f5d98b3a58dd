import type { errorsEn } from './messages-errors-en.ts';

/** API errors by code in Japanese: what the code means and the field the API named. */
export const errorsJa: Record<keyof typeof errorsEn, string> = {
  'apiError.other': '通信に失敗しました（{message}）',
  'apiError.bad_request': '入力が正しくありません。',
  'apiError.bad_request_field': '「{field}」の値が正しくありません。',
  'apiError.unauthenticated': 'ログインが必要です。もう一度ログインしてください。',
  'apiError.forbidden': 'この操作を行う権限がありません。',
  'apiError.not_found': '見つかりません（削除されたか、アクセスできないリソースです）。',
  'apiError.conflict': '他の変更と競合したか、その名前は既に使われています。再読み込みしてからやり直してください。',
  'apiError.invalid_state': '現在の状態ではこの操作はできません。',
  'apiError.instance_busy': 'このインスタンスでは別の操作が実行中です。終わってからやり直してください。',
  'apiError.capability_missing': 'このホストはこの操作に対応していません（{capability}）。',
  'apiError.not_cancellable': 'この操作は既に終わっているか、取り消せません。',
  'apiError.in_use': '他のリソースが使用中のため削除できません。',
  'apiError.idempotency_mismatch': '同じ要求キーが別の内容で使われました。',
  'apiError.no_capacity': '空き容量がありません（ホスト、アドレスなどが不足しています）。',
  'apiError.no_candidate': '移動先にできるホストがありません。',
  'apiError.quota_exceeded': 'クォータを超えるため作成できません。',
  'apiError.quota_exceeded_resource': 'クォータを超えるため作成できません（{resource}: 上限 {limit}、使用中 {used}、要求 {requested}）。',
  'apiError.payload_too_large': '送信したデータが大きすぎます。',
  'apiError.rate_limited': '要求が多すぎます。{retryAfterSeconds} 秒後にやり直してください。',
  'apiError.host_unavailable': '対象のホストに接続できません。',
  'apiError.identity_provider_unavailable': 'ディレクトリ（LDAP）に接続できません。',
  'apiError.operation_failed': '操作が失敗しました。',
  'apiError.internal': 'サーバーで予期しないエラーが起きました。',
  'title.suffix': 'Kumo',
};
