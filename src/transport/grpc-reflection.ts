import { createRequire } from "node:module";
import path from "node:path";
import { toBinary } from "@bufbuild/protobuf";
import type { DescFile, DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";

type ReflectedDefinitions = ConstructorParameters<typeof ReflectionService>[0];

/**
 * Adds gRPC server reflection (v1 and v1alpha) describing `services` and the reflection service
 * itself, so grpcurl and `buf curl` work without proto files.
 *
 * @grpc/reflection reads nothing but the serialized FileDescriptorProtos of each definition entry
 * and indexes them by file name, so handing it the protobuf-es files unchanged keeps one file per
 * .proto (unlike proto-loader definitions, which merge the files of a package: grpc-node#2595).
 */
export function addReflectionService(server: grpc.Server, services: readonly DescService[]): void {
  const definitions = {
    ...reflectionServiceDefinitions(),
    "served files": { fileDescriptorProtos: filesWithImports(services).map(encodeFile) },
  };
  new ReflectionService(definitions as unknown as ReflectedDefinitions).addToServer(server);
}

function filesWithImports(services: readonly DescService[]): DescFile[] {
  const files = new Map<string, DescFile>();
  const visit = (file: DescFile): void => {
    if (files.has(file.name)) return;
    files.set(file.name, file);
    file.dependencies.forEach(visit);
  };
  services.forEach((service) => visit(service.file));
  return [...files.values()];
}

function encodeFile(file: DescFile): Buffer {
  return Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto));
}

/**
 * The reflection protos have no protobuf-es code here; @grpc/reflection ships them, and
 * proto-loader turns them into the same kind of definitions.
 */
function reflectionServiceDefinitions(): ReflectedDefinitions {
  const packageEntry = createRequire(import.meta.url).resolve("@grpc/reflection");
  const protoRoot = path.join(path.dirname(packageEntry), "..", "proto");
  return loadSync(["grpc/reflection/v1/reflection.proto", "grpc/reflection/v1alpha/reflection.proto"], {
    includeDirs: [protoRoot],
  });
}
