/**
 * deploy/: the Kubernetes manifests validate against the Kubernetes schemas (kubernetes-models),
 * fit together (selectors, ports, probe paths, names), keep the grace period longer than the drain,
 * and pass only flags `tinynet serve` has; the container build file is multi-stage, non-root,
 * production dependencies only, with its health check on /v2/health/ready.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { Container } from 'kubernetes-models/v1/Container';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PACKAGE_ROOT } from '../../core/paths.js';
import { validateConfig } from '../../core/config/index.js';

const deploy = (f: string) => path.join(PACKAGE_ROOT, 'deploy', f);
function load<T>(file: string): T {
  const docs = parseAllDocuments(readFileSync(deploy(file), 'utf8'));
  assert.equal(docs.length, 1, `${file}: one document`);
  assert.deepEqual(docs[0].errors, [], `${file}: valid YAML`);
  return docs[0].toJS() as T;
}

const deployment = load<IDeployment>('k8s/deployment.yaml');
const service = load<IService>('k8s/service.yaml');
const hpa = load<IHorizontalPodAutoscaler>('k8s/hpa.yaml');
const runtime = load<{
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: { supportedModelFormats: Array<{ name: string }>; protocolVersions: string[]; containers: IContainer[] };
}>('kserve/servingruntime.yaml');
const isvc = load<{
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: { predictor: { model: { modelFormat: { name: string }; runtime: string; protocolVersion: string; storageUri: string } } };
}>('kserve/inferenceservice.yaml');
const container = deployment.spec!.template.spec!.containers[0];
const serveHelp = execFileSync(process.execPath, [path.join(PACKAGE_ROOT, 'dist/cli/main.js'), 'serve', '--help'], { encoding: 'utf8' });

test('the Deployment, Service and HorizontalPodAutoscaler validate against the Kubernetes schemas', () => {
  new Deployment(deployment).validate();
  new Service(service).validate();
  new HorizontalPodAutoscaler(hpa).validate();
  // The validator does catch a wrong manifest (it is no rubber stamp).
  const broken = structuredClone(deployment);
  (broken.spec!.template.spec!.containers[0].ports![0] as { containerPort: unknown }).containerPort = 'eighty';
  assert.throws(() => new Deployment(broken).validate(), /containerPort must be integer/);
});

test('probes on the v2 health routes, and a grace period longer than the drain', () => {
  const port = container.ports!.find((p) => p.name === 'http')!;
  assert.ok(port, 'a port named http');
  assert.equal(container.readinessProbe?.httpGet?.path, '/v2/health/ready');
  assert.equal(container.startupProbe?.httpGet?.path, '/v2/health/ready');
  assert.equal(container.livenessProbe?.httpGet?.path, '/v2/health/live');
  for (const probe of [container.readinessProbe, container.startupProbe, container.livenessProbe]) assert.equal(probe?.httpGet?.port, 'http');
  const args = container.args!;
  assert.equal(Number(args[args.indexOf('--port') + 1]), port.containerPort);
  // preStop waits, then the drain takes at most one request timeout.
  const preStop = container.lifecycle!.preStop!.exec!.command!.join(' ');
  const preStopMs = Number(/setTimeout\(\(\) => \{\}, (\d+)\)/.exec(preStop)?.[1]);
  assert.ok(preStopMs > 0, preStop);
  const drainMs = validateConfig({}).config.serve.request_timeout_ms;
  assert.ok(deployment.spec!.template.spec!.terminationGracePeriodSeconds! * 1000 > preStopMs + drainMs, 'grace period > preStop + drain');
  assert.equal(deployment.spec!.template.spec!.securityContext?.runAsNonRoot, true);
});

test('Service and autoscaler point at the Deployment', () => {
  assert.deepEqual(service.spec!.selector, deployment.spec!.template.metadata!.labels);
  assert.deepEqual(deployment.spec!.selector.matchLabels, deployment.spec!.template.metadata!.labels);
  assert.equal(service.spec!.ports![0].targetPort, 'http');
  assert.deepEqual(hpa.spec!.scaleTargetRef, { apiVersion: deployment.apiVersion, kind: deployment.kind, name: deployment.metadata!.name });
  assert.ok(hpa.spec!.minReplicas! >= 2, 'at least two replicas, so one can drain');
});

test('KServe: the ServingRuntime speaks v2 with a valid container, and the InferenceService uses it', () => {
  assert.equal(runtime.apiVersion, 'serving.kserve.io/v1alpha1');
  assert.equal(runtime.kind, 'ServingRuntime');
  assert.deepEqual(runtime.spec.protocolVersions, ['v2']);
  for (const c of runtime.spec.containers) new Container(c).validate();
  const c = runtime.spec.containers[0];
  assert.equal(c.name, 'kserve-container', 'the container name KServe expects');
  assert.equal(c.readinessProbe?.httpGet?.path, '/v2/health/ready');
  assert.equal(c.livenessProbe?.httpGet?.path, '/v2/health/live');
  assert.equal(isvc.apiVersion, 'serving.kserve.io/v1beta1');
  assert.equal(isvc.kind, 'InferenceService');
  const model = isvc.spec.predictor.model;
  assert.equal(model.runtime, runtime.metadata.name);
  assert.equal(model.protocolVersion, 'v2');
  assert.ok(runtime.spec.supportedModelFormats.some((f) => f.name === model.modelFormat.name));
  // tinynet names the model after its file: the file must be <isvc name>.onnx.
  assert.ok(c.args!.includes('/mnt/models/{{.Name}}.onnx'));
  assert.ok(model.storageUri.endsWith(`/${isvc.metadata.name}.onnx`));
});

test('every manifest and the image pass only flags `tinynet serve` has', () => {
  const containerfile = readFileSync(deploy('Containerfile'), 'utf8');
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(containerfile)![1]) as string[];
  for (const [where, args] of [
    ['deployment', container.args!],
    ['servingruntime', runtime.spec.containers[0].args!],
    ['Containerfile CMD', cmd],
  ] as const) {
    for (const flag of args.filter((a) => a.startsWith('--'))) assert.ok(serveHelp.includes(flag), `${where}: ${flag} is not a tinynet serve flag`);
  }
});

test('Containerfile: multi-stage, production dependencies only, non-root, health check on /v2/health/ready', () => {
  const text = readFileSync(deploy('Containerfile'), 'utf8');
  const stages = text.split(/^FROM /m).slice(1);
  assert.ok(stages.length >= 2, 'a build stage and a runtime stage');
  const runtimeStage = stages.at(-1)!;
  assert.match(runtimeStage, /npm ci --omit=dev/);
  assert.doesNotMatch(runtimeStage, /npm run build/);
  assert.match(runtimeStage, /COPY --from=build \S+\/dist \.\/dist/);
  assert.match(runtimeStage, /^USER (?!root\b|0\b)\w+/m);
  assert.match(runtimeStage, /^HEALTHCHECK .*[\s\S]*?\/v2\/health\/ready/m);
  assert.match(runtimeStage, /^ENTRYPOINT \["node", "dist\/cli\/main\.js", "serve"\]$/m);
  assert.match(runtimeStage, /^EXPOSE 8080$/m);
});
