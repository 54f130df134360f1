"""The emulator's own reader of a Cedar policy statement: its effect, its scope, the context it reads.

Enough of Cedar's policy grammar (docs.cedarpolicy.com, "Policy syntax") for
AgentCore's checks: optional annotations, `permit` or `forbid`, a scope of
`principal`, `action` and `resource` constraints (`==`, `in`, `is ... in`,
`action in [...]`), then `when`/`unless` conditions kept as tokens. One policy
per statement, as the service requires ("unexpected token 'forbid'" when a
second one follows). It never evaluates a policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TOKEN = re.compile(
    r"""(?P<space>\s+|//[^\n]*)
      |(?P<string>"(?:[^"\\]|\\.)*")
      |(?P<word>[A-Za-z_][A-Za-z0-9_]*)
      |(?P<number>[0-9]+)
      |(?P<punct>::|==|!=|<=|>=|&&|\|\||[()\[\]{},;.<>!+\-*@:])""",
    re.VERBOSE,
)
EFFECTS = ("permit", "forbid")
CONDITIONS = ("when", "unless")


class CedarSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Entity:
    type: str  # e.g. AgentCore::Action
    id: str

    def __str__(self) -> str:
        return f'{self.type}::"{self.id}"'


@dataclass
class Constraint:
    """One scope element: unconstrained (`principal`), `== E`, `in E`, `in [E, ...]`, `is T` or `is T in E`."""

    operator: str | None = None
    entities: tuple[Entity, ...] = ()
    entity_type: str | None = None

    @property
    def types(self) -> set[str]:
        return {self.entity_type} if self.entity_type else {e.type for e in self.entities}


@dataclass
class Statement:
    effect: str
    principal: Constraint
    action: Constraint
    resource: Constraint
    conditions: list[list[str]] = field(default_factory=list)

    @property
    def unconstrained(self) -> bool:
        """`permit(principal, action, resource);`: applies to every request."""
        return not self.conditions and not any(c.operator for c in (self.principal, self.action, self.resource))

    def input_fields(self) -> set[str]:
        """The tool parameters the conditions read: `context.input.NAME`."""
        found: set[str] = set()
        for tokens in self.conditions:
            for i in range(len(tokens) - 4):
                if tokens[i: i + 4] == ["context", ".", "input", "."]:
                    found.add(tokens[i + 4])
        return found


def tokens_of(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None:
            raise CedarSyntaxError(f"unexpected character '{text[position]}' at offset {position}")
        if match.lastgroup != "space":
            tokens.append((str(match.lastgroup), match.group()))
        position = match.end()
    return tokens


def parse(text: str) -> Statement:
    """The one Cedar policy in `text`; CedarSyntaxError names the first token it cannot read."""
    return _Parser(tokens_of(text)).statement()


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens = tokens
        self.position = 0

    # --- tokens -------------------------------------------------------------------
    def peek(self) -> str | None:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else None

    def take(self, *expected: str) -> str:
        token = self.peek()
        if token is None:
            raise CedarSyntaxError("unexpected end of policy")
        if expected and token not in expected:
            raise CedarSyntaxError(f"unexpected token '{token}'")
        self.position += 1
        return token

    def take_kind(self, kind: str) -> str:
        if self.position >= len(self.tokens):
            raise CedarSyntaxError("unexpected end of policy")
        found, token = self.tokens[self.position]
        if found != kind:
            raise CedarSyntaxError(f"unexpected token '{token}'")
        self.position += 1
        return token

    # --- grammar ------------------------------------------------------------------
    def statement(self) -> Statement:
        while self.peek() == "@":  # annotations: @id("text")
            self.take("@")
            self.take_kind("word")
            if self.peek() == "(":
                self.take("(")
                self.take_kind("string")
                self.take(")")
        effect = self.take(*EFFECTS)
        self.take("(")
        principal = self.scope("principal")
        self.take(",")
        action = self.scope("action")
        self.take(",")
        resource = self.scope("resource")
        if self.peek() == ",":
            self.take(",")
        self.take(")")
        conditions = []
        while self.peek() in CONDITIONS:
            conditions.append(self.condition())
        self.take(";")
        if self.peek() is not None:
            raise CedarSyntaxError(f"unexpected token '{self.peek()}'")
        return Statement(effect, principal, action, resource, conditions)

    def scope(self, variable: str) -> Constraint:
        self.take(variable)
        operator = self.peek() if self.peek() in ("==", "in", "is") else None
        if operator is None:
            return Constraint()
        self.take()
        if operator == "is":
            entity_type = self.path()
            if self.peek() != "in":
                return Constraint("is", (), entity_type)
            self.take("in")
            return Constraint("is", (self.entity(),), entity_type)
        if operator == "in" and variable == "action" and self.peek() == "[":
            return Constraint("in", self.entity_list())
        return Constraint(operator, (self.entity(),))

    def entity_list(self) -> tuple[Entity, ...]:
        self.take("[")
        entities = [self.entity()]
        while self.peek() == ",":
            self.take(",")
            entities.append(self.entity())
        self.take("]")
        return tuple(entities)

    def path(self) -> str:
        names = [self.take_kind("word")]
        while self.peek() == "::" and self.position + 1 < len(self.tokens) and self.tokens[self.position + 1][0] == "word":
            self.take("::")
            names.append(self.take_kind("word"))
        return "::".join(names)

    def entity(self) -> Entity:
        entity_type = self.path()
        self.take("::")
        literal = self.take_kind("string")
        return Entity(entity_type, re.sub(r"\\(.)", r"\1", literal[1:-1]))

    def condition(self) -> list[str]:
        self.take(*CONDITIONS)
        if self.peek() != "{":  # a named condition block (AgentCore's `when guardrails { ... }`)
            self.take_kind("word")
        self.take("{")
        body, depth = [], 1
        while depth:
            token = self.take()
            depth += {"{": 1, "}": -1}.get(token, 0)
            if depth:
                body.append(token)
        return body
