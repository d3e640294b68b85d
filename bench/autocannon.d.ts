/** The part of autocannon's programmatic API the bench uses (the package ships no types). */
declare module 'autocannon' {
  interface Histogram {
    average: number;
    mean: number;
    max: number;
    min: number;
    p50: number;
    p90: number;
    p97_5: number;
    p99: number;
    p99_9: number;
  }
  interface Request {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    setupRequest?: (req: Request, context: Record<string, unknown>) => Request;
    onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
  }
  /** One connection: it stops once `reqsMade` reaches `responseMax`, after the response to its last request. */
  interface Client {
    reqsMade: number;
    responseMax?: number;
  }
  interface Options {
    url: string;
    connections?: number;
    amount?: number;
    /** Seconds; without `amount`. */
    duration?: number;
    timeout?: number;
    /** Requests per second over all connections. */
    overallRate?: number;
    /** Called with each client (connection) as it is made. */
    setupClient?: (client: Client) => void;
    requests?: Request[];
    method?: string;
    headers?: Record<string, string>;
  }
  interface Result {
    duration: number;
    latency: Histogram;
    requests: Histogram & { total: number; sent: number };
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    statusCodeStats: Record<string, { count: number }>;
  }
  interface Instance extends Promise<Result> {
    on(event: 'response', listener: (client: Client, statusCode: number, bytes: number, responseTimeMs: number) => void): void;
    stop(): void;
  }
  function autocannon(options: Options): Instance;
  export = autocannon;
}
