// A spec the CRD admits but that cannot become a running fleet. `path` names the field (`spec.exporters[0].otlp.endpoint`)
// so the operator can say so in the ConfigValid condition.
export class RenderError extends Error {
  readonly path: string;

  constructor(path: string, message: string) {
    super(message);
    this.name = 'RenderError';
    this.path = path;
  }

  override toString(): string {
    return `${this.path}: ${this.message}`;
  }
}
