// The xmlrpc package's serializer and deserializer, used by the Odoo double for exact wire format.
declare module 'xmlrpc/lib/serializer.js' {
  const Serializer: {
    serializeMethodResponse(value: unknown): string;
    serializeFault(fault: { faultCode: number; faultString: string }): string;
  };
  export default Serializer;
}
declare module 'xmlrpc/lib/deserializer.js' {
  import type { IncomingMessage } from 'node:http';
  class Deserializer {
    deserializeMethodCall(
      request: IncomingMessage,
      callback: (error: Error | null, method: string, params: unknown[]) => void,
    ): void;
    /** a fault arrives as an error carrying faultCode and faultString */
    deserializeMethodResponse(
      response: NodeJS.ReadableStream,
      callback: (error: (Error & { faultCode?: number; faultString?: string }) | null, value: unknown) => void,
    ): void;
  }
  export default Deserializer;
}
