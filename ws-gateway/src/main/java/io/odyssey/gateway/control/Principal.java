package io.odyssey.gateway.control;

/** Who is asking: the token's name (recorded in the audit trail) and its role. */
public record Principal(String name, Role role)
{
}
