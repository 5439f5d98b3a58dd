import type { FastifyError, FastifyInstance } from 'fastify';
import { ApiError } from '@kumo/api';

/** Every error leaves the server as `{ error: { code, message, details } }` with a stable code. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    let apiErr: ApiError;
    if (err instanceof ApiError) apiErr = err;
    else if ((err as FastifyError).validation) apiErr = new ApiError('bad_request', err.message);
    else if ((err as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') apiErr = new ApiError('payload_too_large', 'request body too large');
    else if ((err as FastifyError).statusCode && (err as FastifyError).statusCode! < 500) {
      const sc = (err as FastifyError).statusCode!;
      apiErr = new ApiError(sc === 404 ? 'not_found' : sc === 413 ? 'payload_too_large' : sc === 401 ? 'unauthenticated' : 'bad_request', err.message);
    } else {
      req.log.error({ err }, 'unhandled error');
      apiErr = new ApiError('internal', `internal error (request ${req.id})`);
    }
    const retryAfter = (apiErr.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    if (apiErr.code === 'rate_limited' && typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
    void reply.status(apiErr.status).send(apiErr.toBody());
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new ApiError('not_found', `no route ${req.method} ${req.url.split('?')[0]}`);
    void reply.status(404).send(e.toBody());
  });
}
