// Health, readiness, metrics and the API description.
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { openApiDocument } from '../openapi.ts';

export function registerOperationsRoutes(app: FastifyInstance, context: GatewayContext): void {
  const { node, metrics } = context;

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    if (!node.ready) return reply.status(503).send({ error: { code: 'UNAVAILABLE', message: 'recovering or shutting down' } });
    return { status: 'ready', sequence: node.lastSequence };
  });

  metrics.beforeScrape(() => {
    metrics.openOrders.set(node.restingOrderCount);
    metrics.journalSequence.set(node.lastSequence);
  });
  app.get('/metrics', async (_request, reply) =>
    reply.header('Content-Type', metrics.registry.contentType).send(await metrics.scrape()));

  const document = openApiDocument();
  app.get('/docs/openapi.json', async () => document);
  app.get('/docs', async (_request, reply) =>
    reply.header('Content-Type', 'text/html; charset=utf-8').send(docsPage(document)));
}

/** A plain page listing every endpoint; the machine-readable document is at /docs/openapi.json. */
function docsPage(document: ReturnType<typeof openApiDocument>): string {
  const rows = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods as Record<string, { summary?: string }>).map(([method, operation]) =>
      `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${path}</code></td><td>${operation.summary ?? ''}</td></tr>`));
  return `<!doctype html><html><head><meta charset="utf-8"><title>${document.info.title}</title></head><body>
<h1>${document.info.title} ${document.info.version}</h1><p>OpenAPI document: <a href="/docs/openapi.json">/docs/openapi.json</a></p>
<table>${rows.join('\n')}</table></body></html>`;
}
