import { create, getOption, hasOption, type DescMethod } from "@bufbuild/protobuf";
import { AccessRuleSchema, rule, type AccessRule } from "../../gen/warden/authz/v1/authz_pb.js";

/** Access rules for services whose protos are not ours to annotate (grpc.health.v1). */
export type ForeignServiceRules = ReadonlyMap<string, AccessRule>;

export const PUBLIC_RULE: AccessRule = create(AccessRuleSchema, { requirement: { case: "public", value: true } });

/**
 * The rule a method declares in its proto (`option (warden.authz.v1.rule)`),
 * else the one given for its whole (foreign) service, else undefined — which
 * the authorize guard treats as "refuse every call".
 */
export function accessRuleOf(method: DescMethod, foreign: ForeignServiceRules): AccessRule | undefined {
  if (hasOption(method, rule)) {
    const declared = getOption(method, rule);
    return declared.requirement.case === undefined ? undefined : declared;
  }
  return foreign.get(method.parent.typeName);
}

export function isPublic(accessRule: AccessRule | undefined): boolean {
  return accessRule?.requirement.case === "public";
}
