import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { DescMessage, DescMethod, MessageInitShape, MessageShape } from "@bufbuild/protobuf";

/** The HTTP/2 path of a gRPC method: `/package.Service/Method`. */
export function grpcPathOf(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/**
 * Encodes a message of `schema`, or an init shape of one as handlers may return, to the Buffer
 * grpc-js writes. Callers vouch for the type: grpc-js method definitions are untyped.
 */
export function serializerOf(schema: DescMessage): (message: unknown) => Buffer {
  return (message) => {
    const bytes = toBinary(schema, create(schema, message as MessageInitShape<DescMessage>));
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

export function deserializerOf<Desc extends DescMessage>(schema: Desc): (bytes: Buffer) => MessageShape<Desc> {
  return (bytes) => fromBinary(schema, bytes);
}
