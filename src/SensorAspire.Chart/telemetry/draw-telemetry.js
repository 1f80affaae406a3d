// The page's draw spans: bundled by esbuild at build time into wwwroot/lib/telemetry/draw-telemetry.js and imported by
// app.js only when /api/settings says browser telemetry is on, so a page without telemetry never loads the SDK.
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, WebTracerProvider } from "@opentelemetry/sdk-trace-web";

/** The resource of the chart's browser side in the dashboard (the chart service itself is "chart"). */
export const serviceName = "chart-browser";

/** The span name: the draw of a sensor-windows update, after the chart's "process sensor-windows". */
export const drawSpanName = "draw sensor-windows";

// W3C Trace Context 3.2: version "00", 32 hex trace id, 16 hex parent id, 2 hex flags.
const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * Where the page posts its spans: the chart's own route (POST /otlp/v1/traces), relative to the page, which the chart
 * forwards to its collector with the headers only the chart holds. The page itself holds no key and sends no header.
 */
export const tracesUrl = "otlp/v1/traces";

/**
 * Starts the tracer and returns the page's recorder: started(traceparent, sensorId, pointCount, arrivedAt) gives a
 * pending draw (or null), and drawn(pending) ends it at the paint.
 */
export function startDrawTelemetry() {
  const provider = new WebTracerProvider({
    resource: resourceFromAttributes({ "service.name": serviceName }),
    spanProcessors: [
      // Batches keep the export to a request every half second however many updates are drawn.
      // The exporter resolves the relative URL against the page's address (same origin: no CORS, no preflight).
      new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl }), { scheduledDelayMillis: 500 }),
    ],
  });
  const tracer = provider.getTracer("SensorAspire.Chart.Browser");
  // Spans still in the batch go out when the page is hidden or closed.
  addEventListener("pagehide", () => { provider.forceFlush(); });

  return {
    started(traceparent, sensorId, pointCount, arrivedAt) {
      const match = traceparentPattern.exec(traceparent);
      if (!match || (parseInt(match[3], 16) & TraceFlags.SAMPLED) === 0) return null;
      const parent = trace.setSpanContext(ROOT_CONTEXT, {
        traceId: match[1], spanId: match[2], traceFlags: TraceFlags.SAMPLED, isRemote: true,
      });
      return tracer.startSpan(drawSpanName, {
        kind: SpanKind.INTERNAL,
        startTime: arrivedAt, // performance.now() when the SSE event arrived
        attributes: { "sensor.id": sensorId, "sensor.point_count": pointCount },
      }, parent);
    },
    drawn(span, paintedAt) {
      span.end(paintedAt);
    },
  };
}
