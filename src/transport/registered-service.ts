import type { DescService } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";

/** A service and its guarded implementation (from applyGuards), as both listeners serve it. */
export interface RegisteredService {
  readonly service: DescService;
  // `any`: a list mixes services, and TypeScript cannot tie each impl to its own service type.
  readonly impl: ServiceImpl<any>;
}
