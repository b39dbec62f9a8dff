/**
 * A stand-in Kubernetes API server on 127.0.0.1 (port 0): answers fixed JSON by
 * path and records every request, so tests exercise the real client, its
 * serialisation and its HTTP stack — only the far end is fake.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export interface CannedAnswer {
  status: number;
  body: unknown;
  /** Defaults to application/json; a string body with text/plain imitates a bare proxy error. */
  contentType?: string;
  /** Never answer (to exercise the request timeout). */
  hang?: boolean;
}

export interface RecordedRequest {
  method: string;
  /** Path and query, decoded, e.g. '/api/v1/namespaces/spark/pods?labelSelector=spark-role=executor,...'. */
  url: string;
  authorization: string | null;
}

export interface FakeApiServer {
  url: string;
  requests: RecordedRequest[];
  /** Answers by path (query ignored); unknown paths get a 404 Status like the real server's. */
  answers: Map<string, CannedAnswer>;
  kubeConfig(namespace?: string): KubeConfig;
  close(): Promise<void>;
}

export function notFoundStatus(path: string): unknown {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `the server could not find the requested resource (get ${path})`,
    reason: 'NotFound',
    details: {},
    code: 404,
  };
}

export async function startFakeApiServer(): Promise<FakeApiServer> {
  const requests: RecordedRequest[] = [];
  const answers = new Map<string, CannedAnswer>();
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    // Query strings come form-encoded ('+' for a space); record them as readable text.
    const url = decodeURIComponent((request.url ?? '').replaceAll('+', ' '));
    requests.push({ method: request.method ?? '', url, authorization: request.headers.authorization ?? null });
    const path = url.split('?')[0];
    const answer = answers.get(path) ?? { status: 404, body: notFoundStatus(path) };
    if (answer.hang === true) {
      hanging.add(response);
      return;
    }
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    response.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json' });
    response.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    requests,
    answers,
    kubeConfig(namespace?: string): KubeConfig {
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromOptions({
        clusters: [{ name: 'loopback', server: url, skipTLSVerify: true }],
        users: [{ name: 'tester', token: 'test-token' }],
        contexts: [{ name: 'loopback', cluster: 'loopback', user: 'tester', namespace }],
        currentContext: 'loopback',
      });
      return kubeConfig;
    },
    async close(): Promise<void> {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
