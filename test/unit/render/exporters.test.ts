import { checkGrpcEndpoint, checkHttpEndpoint } from '../../../src/operator/render/exporters.ts';
import { RenderError } from '../../../src/operator/render/errors.ts';

test.each([
  'backend.observability.svc:4317',
  'backend:4317',
  'Backend.Example.COM:443',
  '127.0.0.1:4317',
  '[::1]:4317',
  'a:1',
  'a:65535',
])('gRPC endpoint %p is host:port', (endpoint) => {
  expect(() => checkGrpcEndpoint(endpoint, 'p')).not.toThrow();
});

test.each([
  'backend',
  'backend:',
  ':4317',
  'backend:0',
  'backend:65536',
  'backend:http',
  'http://backend:4317',
  'backend:4317/v1',
  'back end:4317',
  '-backend:4317',
  '::1:4317',
])('gRPC endpoint %p is refused with the field path', (endpoint) => {
  expect(() => checkGrpcEndpoint(endpoint, 'spec.exporters[0].otlp.endpoint')).toThrow(
    expect.objectContaining({ path: 'spec.exporters[0].otlp.endpoint', message: expect.stringMatching(/not host:port/) }),
  );
});

test.each(['http://backend.observability.svc:4318', 'https://otlp.example.com', 'http://backend:4318/custom/prefix'])(
  'HTTP endpoint %p is a base URL',
  (endpoint) => {
    expect(() => checkHttpEndpoint(endpoint, 'p')).not.toThrow();
  },
);

test.each<[string, RegExp]>([
  ['backend:4318', /http or https|not a URL/],
  ['ftp://backend:21', /http or https/],
  ['http://user:secret@backend:4318', /credentials/],
  ['http://backend:4318/?x=1', /query/],
  ['not a url', /not a URL/],
])('HTTP endpoint %p is refused', (endpoint, message) => {
  let caught: unknown;
  try {
    checkHttpEndpoint(endpoint, 'spec.exporters[1].otlphttp.endpoint');
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(RenderError);
  expect(caught).toMatchObject({ path: 'spec.exporters[1].otlphttp.endpoint' });
  expect((caught as Error).message).toMatch(message);
});
