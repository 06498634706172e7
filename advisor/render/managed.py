"""The managed service a report names for the winner, and the settings it exposes there.

With ``context.managed`` preferred or required, a report names the managed offering to
run the winner on and gives what a user sets in that service, not the self-hosted
settings (Amazon RDS has no Patroni to configure). The settings come from the chosen
configuration's own entry for the service when the knowledge base has one, else from
the service's general entry in ``deployment.managed_settings``. Every renderer
(text, Markdown, JSON, ADR) asks this module, so they never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from advisor.engine import CaveatNote, ComponentResult, managed_offerings
from advisor.kb import CLOUDS, ConsistencyConfig, Database, KnowledgeBase, ManagedSettings


@dataclass(frozen=True)
class Service:
    """The managed service to run the winner on and the settings it exposes."""

    names: tuple[str, ...]
    # The chosen configuration's settings on the service, when the knowledge base has them.
    settings: ManagedSettings | None
    # True when the database also runs self-hosted: its plain settings are then the
    # self-hosted ones, which a managed service may not expose.
    self_hosted: bool
    # The one cloud the workload runs on, else None (any cloud: every cloud's services).
    cloud: str | None = None
    by_cloud: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The service's own settings (high availability, replicas, parameters), used when the
    # configuration has none for it.
    product: ManagedSettings | None = None

    @property
    def where(self) -> str:
        """The services in words: ``A or B``, or per cloud when no one cloud was named."""
        if self.cloud is not None or not self.by_cloud:
            return " or ".join(self.names)
        return "; ".join(f"{' or '.join(names)} ({cloud})" for cloud, names in self.by_cloud)

    @property
    def setup(self) -> ManagedSettings | None:
        """The settings to print for the service: the configuration's, else the service's."""
        return self.settings or self.product

    @property
    def configuration_settings_apply(self) -> bool:
        """True when the configuration's own settings still apply beside the service's.

        They do when they are made in the application (MongoDB's writeConcern on Atlas).
        """
        return self.settings is None and bool(
            self.product and self.product.configuration_settings_apply
        )

    @property
    def name(self) -> str:
        """The service the settings are for.

        Without settings: the first service listed on the workload's cloud, or "the
        managed service" when the workload names no one cloud.
        """
        if self.setup:
            return self.setup.service
        return self.names[0] if self.cloud is not None else "the managed service"


def service(component: ComponentResult, kb: KnowledgeBase) -> Service | None:
    """Where to run the winner when the workload prefers or requires a managed service."""
    pick = component.recommendation
    if pick is None:
        return None
    db = kb.databases[pick.database]
    cloud = component.answers.get("context.cloud")
    names = tuple(dict.fromkeys(managed_offerings(component.answers, db)))
    if not names:
        return None
    if component.answers.get("durability") == "durable":
        # Durable data first goes to a service that keeps every acknowledged write
        # (MemoryDB before ElastiCache for Valkey); the order is otherwise the listed one.
        names = tuple(sorted(names, key=lambda n: not db.deployment.keeps_writes(cloud, n)))
    settings = product = None
    if cloud in CLOUDS:
        if component.configuration is not None:
            config = _config(db, component.configuration.id)
            if config is not None:
                settings = config.managed_on(cloud, names)
        # The first listed service that has settings of its own; the offering lists put
        # the provider's own service first.
        product = next(
            (found for n in names if (found := db.deployment.settings_in(cloud, n))), None
        )
    one = str(cloud) if cloud in CLOUDS else None
    by_cloud = tuple(
        (c, offered) for c in CLOUDS if (offered := db.deployment.managed.available(c))
    )
    return Service(
        names=names,
        settings=settings,
        self_hosted=db.deployment.self_hosted,
        cloud=one,
        by_cloud=by_cloud,
        product=product,
    )


def _config(db: Database, config_id: str) -> ConsistencyConfig | None:
    return next((c for c in db.consistency if c.id == config_id), None)


def self_hosted_caveats(component: ComponentResult, kb: KnowledgeBase) -> frozenset[str]:
    """The ids of the winner's caveats that only a self-run deployment can act on."""
    pick = component.recommendation
    db = kb.databases.get(pick.database) if pick is not None else None
    return frozenset(c.id for c in db.caveats if c.self_hosted) if db is not None else frozenset()


def shown_caveats(component: ComponentResult, kb: KnowledgeBase) -> tuple[CaveatNote, ...]:
    """The caveats a report prints: without self-hosted advice when a service runs it.

    When the report names a managed service with its own settings, advice such as "use a
    failover manager that promotes only synchronous standbys" is not the user's to act
    on, so it is left out; otherwise every caveat that applies is printed.
    """
    found = service(component, kb)
    if found is None or found.setup is None:
        return component.caveats
    skip = self_hosted_caveats(component, kb)
    return tuple(c for c in component.caveats if c.id not in skip)


def service_dict(found: Service | None) -> dict[str, Any] | None:
    """The service as JSON: where to run the winner and the settings to use there."""
    if found is None:
        return None
    setup = found.setup
    return {
        "cloud": found.cloud,
        "services": list(found.names),
        "service": found.name if found.cloud is not None else None,
        "settings": setup.settings if setup else None,
        "settings_scope": (
            "configuration" if found.settings else "service" if found.product else None
        ),
        "configuration_settings_apply": found.configuration_settings_apply,
        "sources": list(setup.sources) if setup else [],
        "as_of": setup.as_of if setup else None,
        "self_hosted_settings_only": found.setup is None and found.self_hosted,
    }
