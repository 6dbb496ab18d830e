import cors from '@fastify/cors';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config';
import { clientAddressOf } from '../lib/client-address';
import { AppError } from '../lib/errors';
import { replyWithError } from './error-handler';

// Security headers (helmet), the CORS allow-list and rate limits, in one place. Registered after
// the audit state (a refusal here is audited like any other) and before authentication (so
// failed authentications can be counted and refused per address) and before every route
// (helmet's per-route policies and the rate limiter attach themselves to routes as they are added).

export type SecurityOptions = Config['security'];

type ContentSecurityPolicy = Exclude<FastifyHelmetOptions['contentSecurityPolicy'], boolean | undefined>;

/** JSON and CSV answers: nothing in them may load, run or be framed. */
const API_POLICY: ContentSecurityPolicy = {
  useDefaults: false,
  directives: { defaultSrc: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'none'"] },
};

/**
 * The Swagger UI page: helmet's defaults (own scripts, inline styles, data: images), without
 * upgrade-insecure-requests, which would break the page on the plain-HTTP development server.
 */
const DOCS_POLICY: ContentSecurityPolicy = {
  useDefaults: true,
  directives: { frameAncestors: ["'none'"], upgradeInsecureRequests: null },
};

/**
 * GraphiQL (development only) is bundled and served by this service (src/plugins/web.ts): its
 * scripts, styles, fonts and images all come from here or are inlined as data: URLs, and it
 * talks to /graphql only. Nothing from another origin.
 */
const GRAPHIQL_POLICY: ContentSecurityPolicy = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'"],
    fontSrc: ["'self'", 'data:'],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

const isHealth = (request: FastifyRequest) => request.routeOptions.url?.startsWith('/health/') ?? false;
const isPage = (url: string) => url.startsWith('/docs') || url.startsWith('/graphiql');

/** What a browser application on an allowed origin may send and read. */
const CORS_ALLOWED_HEADERS = ['authorization', 'x-api-key', 'content-type', 'x-purpose-of-use', 'idempotency-key', 'x-request-id'];
const CORS_EXPOSED_HEADERS = [
  'x-request-id',
  'retry-after',
  'idempotent-replayed',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'content-disposition',
];

const rateLimited = (ttlMs: number) => {
  const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
  return new AppError('RATE_LIMITED', `Too many requests; retry in ${seconds} s.`, { retryAfterSeconds: seconds });
};

export const securityPlugin = fp(
  async (app: FastifyInstance, options: SecurityOptions) => {
    // Per-route policies are set as routes are added; helmet reads them from the route config.
    app.addHook('onRoute', (route) => {
      const policy = route.url.startsWith('/graphiql') ? GRAPHIQL_POLICY : route.url.startsWith('/docs') ? DOCS_POLICY : undefined;
      if (policy) route.config = { ...route.config, helmet: { contentSecurityPolicy: policy } } as typeof route.config;
    });
    await app.register(helmet, { contentSecurityPolicy: API_POLICY, frameguard: { action: 'deny' } });

    // Record-level answers must not linger in browser or proxy caches.
    app.addHook('onSend', async (request, reply, payload) => {
      if (!reply.hasHeader('cache-control') && !isPage(request.url)) reply.header('cache-control', 'no-store');
      return payload;
    });

    // No allowed origins: no CORS headers at all, so browsers keep other origins out.
    if (options.corsOrigins.length > 0) {
      await app.register(cors, {
        origin: options.corsOrigins,
        methods: ['GET', 'POST', 'PUT', 'DELETE'],
        allowedHeaders: CORS_ALLOWED_HEADERS,
        exposedHeaders: CORS_EXPOSED_HEADERS,
        credentials: false,
        maxAge: 600,
        // An OPTIONS request that is not a preflight gets an empty 204, not a plain-text 400.
        strictPreflight: false,
      });
    }

    // Every route: per API key once authenticated (route hooks run after the authentication
    // hook), per address on the public routes (the failed-login lockout too): the real client's,
    // never a forwarded value that is not an address (client-address.ts). Health checks are never limited.
    await app.register(rateLimit, {
      max: options.rateLimit.max,
      timeWindow: options.rateLimit.windowMs,
      keyGenerator: (request) => (request.principal ? `key:${request.principal.keyId}` : `address:${clientAddressOf(request)}`),
      allowList: (request) => isHealth(request),
      errorResponseBuilder: (_request, context) => rateLimited(context.ttl),
    });
    // Requests to unknown routes have no route hooks: limit them here, per address.
    const limitUnmatched = app.rateLimit();
    app.addHook('onRequest', async (request, reply) => {
      if (request.routeOptions.url === undefined) await limitUnmatched.call(app, request, reply);
    });

    // Failed authentications per address: after RATE_LIMIT_AUTH_FAILURES in a window, the
    // address is refused until the window ends, before its key is even looked up.
    const authFailures = app.createRateLimit({ max: options.rateLimit.authFailures, timeWindow: options.rateLimit.windowMs });
    const needsKey = (request: FastifyRequest) => request.routeOptions.url !== undefined && !request.routeOptions.config.public;
    app.addHook('onRequest', async (request, reply) => {
      if (!needsKey(request)) return;
      const state = await authFailures(request, { increment: false });
      // Answered here, like a refused key (see authentication.ts), whatever the route's error handler.
      if (!state.isAllowed && state.remaining === 0) return replyWithError(request, reply, rateLimited(state.ttl));
    });
    app.addHook('onResponse', async (request, reply) => {
      if (reply.statusCode === 401 && needsKey(request)) await authFailures(request);
    });
  },
  { name: 'security', dependencies: ['error-handler', 'audit'] },
);
