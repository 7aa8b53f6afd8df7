"""Message channels read from Java and Kotlin code: Spring Kafka, Spring AMQP and Eventuate Tram (code_channels)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.importers import code_channels, load_artifacts
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import fact

BILLING_LISTENER = """
    package shop.billing;

    import org.springframework.kafka.annotation.KafkaListener;
    import org.springframework.kafka.core.KafkaTemplate;

    public class InvoiceWorker {
        static final String PAID = "invoices-paid";
        private final KafkaTemplate<String, String> template;

        @KafkaListener(topics = {"invoices-due", Topics.LATE}, groupId = "billing-workers")
        public void onDue(String body) {
            template.send(PAID, body);
            this.template.send("${billing.audit-topic:billing-audit}", body);
            template.send("${billing.unset-topic}", body);
            template.sendDefault(body);
        }
    }
"""

BILLING_TOPICS = """
    package shop.billing;

    final class Topics {
        public static final String LATE = "invoices-late";
    }
"""


def test_spring_kafka_listeners_and_template_sends_are_topics(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "billing/src/main/java/shop/billing/InvoiceWorker.java", BILLING_LISTENER)
    write(tmp, "billing/src/main/java/shop/billing/Topics.java", BILLING_TOPICS)
    docs = load_artifacts([f"source={tmp}/billing"])
    design = load_documents(docs)
    for name in ("invoices-due", "invoices-late"):
        ch = fact(design, f"channel:{name}")
        assert ch.data["kind"] == "topic"
        assert ch.data["consumers"] == [{"service": "billing", "group": "billing-workers"}]
    assert fact(design, "channel:invoices-paid").data["producers"] == ["billing"]
    assert fact(design, "channel:billing-audit").data["producers"] == ["billing"]  # the placeholder's default
    call = fact(design, "interaction:billing->invoices-paid").data
    assert (call["style"], call["protocol"]) == ("async", "kafka")
    remarks = [why for d in docs for _at, why in d.remarks if "a channel" in why]
    assert len(remarks) == 2  # the placeholder with no default, the template's default topic: not invented
    assert sorted(k for k in design.by_key() if k.startswith("channel:")) == [
        "channel:billing-audit", "channel:invoices-due", "channel:invoices-late", "channel:invoices-paid"]


MAILER = """
    package shop.mail

    import org.springframework.amqp.rabbit.annotation.RabbitListener
    import org.springframework.amqp.rabbit.core.RabbitTemplate

    const val RECEIPTS = "receipts"

    class Mailer(private val rabbit: RabbitTemplate) {
        @RabbitListener(queues = [RECEIPTS])
        fun onReceipt(text: String) {
            rabbit.convertAndSend("mail-events", "mail.sent", text)
            rabbit.convertAndSend("", "bounces", text)
        }
    }
"""


def test_spring_amqp_listeners_and_template_sends_over_amqp(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "mailer/src/main/kotlin/shop/mail/Mailer.kt", MAILER)
    design = load_documents(load_artifacts([f"source={tmp}/mailer"]))
    receipts = fact(design, "channel:receipts").data
    assert (receipts["kind"], receipts["consumers"]) == ("queue", [{"service": "mailer"}])
    exchange = fact(design, "channel:mail-events").data
    assert exchange["producers"] == ["mailer"] and "kind" not in exchange  # an exchange's type is not shown
    assert fact(design, "channel:bounces").data["kind"] == "queue"  # the default exchange routes by queue name
    assert fact(design, "interaction:mailer->bounces").data["protocol"] == "amqp"


LEDGER_PUBLISHER = """
    package shop.ledger.events;

    import shop.ledger.domain.Entry;
    import io.eventuate.tram.events.aggregates.AbstractAggregateDomainEventPublisher;
    import io.eventuate.tram.events.publisher.DomainEventPublisher;

    public class EntryPublisher extends AbstractAggregateDomainEventPublisher<Entry, EntryEvent> {
        public EntryPublisher(DomainEventPublisher publisher) {
            super(publisher, Entry.class, Entry::getId);
        }
    }
"""

LEDGER_HANDLERS = """
    package shop.ledger.messaging;

    import io.eventuate.tram.events.subscriber.DomainEventHandlersBuilder;
    import io.eventuate.tram.sagas.participant.SagaCommandHandlersBuilder;
    import io.eventuate.tram.events.subscriber.annotations.EventuateDomainEventHandler;

    public class LedgerHandlers {
        public static final String COMMANDS = "ledgerCommands";

        public CommandHandlers commandHandlers() {
            return SagaCommandHandlersBuilder.fromChannel(COMMANDS).onMessage(Post.class, this::post).build();
        }

        public DomainEventHandlers eventHandlers() {
            return DomainEventHandlersBuilder.forAggregateType("shop.wallet.domain.Wallet")
                    .onEvent(Opened.class, this::opened).build();
        }

        @EventuateDomainEventHandler(subscriberId = "ledgerAudit", channel = "shop.audit.domain.Trail")
        public void onTrail(DomainEventEnvelope<Trailed> envelope) { }
    }
"""

LEDGER_SAGA = """
    package shop.ledger.sagas;

    import io.eventuate.tram.sagas.orchestration.SagaDefinition;
    import shop.wallet.api.WalletChannels;

    public class SettleSaga {
        private CommandWithDestination debit(SettleData data) {
            return send(new Debit(data.amount()))
                    .to(WalletChannels.COMMANDS);
        }

        private CommandWithDestination record(SettleData data) {
            return send(new Record(data.amount())).to("ledgerCommands");
        }
    }
"""


@pytest.mark.parametrize("build", ['implementation "io.eventuate.tram.core:eventuate-tram-spring-jdbc-kafka"\n', ""],
                         ids=["kafka-build", "no-transport"])
def test_eventuate_tram_aggregates_commands_and_sagas(tmp_path: Any, build: str) -> None:
    tmp = str(tmp_path)
    root = "ledger/ledger-core/src/main/java/shop/ledger"
    write(tmp, f"{root}/events/EntryPublisher.java", LEDGER_PUBLISHER)
    write(tmp, f"{root}/messaging/LedgerHandlers.java", LEDGER_HANDLERS)
    write(tmp, f"{root}/sagas/SettleSaga.java", LEDGER_SAGA)
    write(tmp, "ledger/ledger-core/src/contractTest/java/shop/ledger/Base.java", """
        package shop.ledger;
        class Base {
            private DomainEventPublisher publisher;
            void given() { publisher.publish("shop.fake.Fixture", "1", events); }
        }
    """)
    write(tmp, "ledger/ledger-core/build.gradle", f"dependencies {{\n    {build}}}\n")
    docs = load_artifacts([f"source={tmp}/ledger"])
    design = load_documents(docs)
    entries = fact(design, "channel:shop.ledger.domain.Entry").data  # the aggregate's class, by its import
    assert entries["producers"] == ["ledger"]
    commands = fact(design, "channel:ledgerCommands").data
    assert commands["consumers"] == [{"service": "ledger"}] and commands["producers"] == ["ledger"]
    assert fact(design, "channel:shop.wallet.domain.Wallet").data["consumers"] == [{"service": "ledger"}]
    trail = fact(design, "channel:shop.audit.domain.Trail").data
    assert trail["consumers"] == [{"service": "ledger", "group": "ledgerAudit"}]
    call = fact(design, "interaction:ledger->shop.ledger.domain.Entry").data
    if build:
        assert (call["protocol"], entries["kind"]) == ("kafka", "topic")
    else:  # the broker is not named: neither the protocol nor the kind is guessed
        assert "protocol" not in call and "kind" not in entries
    assert "channel:shop.fake.Fixture" not in design.by_key()  # a contract test's source set is not run
    assert [why for d in docs for _at, why in d.remarks if "WalletChannels.COMMANDS" in why] == [
        "ledger produces to a channel (Eventuate Tram, saga send().to) named by WalletChannels.COMMANDS, a value "
        "its imported code does not show: the channel is not imported"]


PAYOUT_HANDLER = """
    package bank.payouts.messaging;

    import bank.payouts.api.PayoutChannels;
    import io.eventuate.tram.sagas.participant.SagaCommandHandlersBuilder;

    public class PayoutCommandHandler {
        public CommandHandlers handlers() {
            return SagaCommandHandlersBuilder.fromChannel(PayoutChannels.REQUESTS).onMessage(Pay.class, this::pay)
                    .build();
        }

        public CommandHandlers seeding() {
            return SagaCommandHandlersBuilder.fromChannel(FixtureChannels.SEEDED).onMessage(Seed.class, this::seed)
                    .build();
        }
    }
"""


@pytest.mark.parametrize("build", [
    'dependencies {\n    compile project(":payouts-api")\n    testCompile project(":payouts-fixtures")\n}\n',
    'dependencies {\n    implementation(project(path = ":payouts-api"))\n'
    '    testImplementation(project(":payouts-fixtures"))\n}\n',
], ids=["groovy", "kotlin-dsl"])
def test_a_channel_constant_of_a_module_the_build_compiles_the_service_with_names_the_channel(
        tmp_path: Any, build: str) -> None:
    # The channel's name is a constant of the service's API module, a sibling Gradle project its build depends on:
    # read from there. A module it depends on only for its tests, or one named but not in the checkout, names none.
    tmp = str(tmp_path)
    write(tmp, "settings.gradle", "include 'payouts-service', 'payouts-api', 'payouts-fixtures'\n")
    write(tmp, "payouts-service/build.gradle", build)
    write(tmp, "payouts-service/src/main/java/bank/payouts/messaging/PayoutCommandHandler.java", PAYOUT_HANDLER)
    write(tmp, "payouts-api/src/main/java/bank/payouts/api/PayoutChannels.java", """
        package bank.payouts.api;
        public class PayoutChannels {
            public static final String REQUESTS = "payoutRequests";
        }
    """)
    write(tmp, "payouts-fixtures/src/main/java/bank/payouts/fixtures/FixtureChannels.java", """
        package bank.payouts.fixtures;
        public class FixtureChannels {
            public static final String SEEDED = "seededPayouts";
        }
    """)
    docs = load_artifacts([f"source={tmp}/payouts-service"])
    design = load_documents(docs)
    assert fact(design, "channel:payoutRequests").data["consumers"] == [{"service": "payouts-service"}]
    assert "channel:seededPayouts" not in design.by_key()  # a test dependency is not compiled into the service
    assert not any(f.key.startswith("service:payouts-api") for f in design.facts)  # a library, not a service
    assert code_channels.library_modules([f"{tmp}/payouts-service"]) == [f"{tmp}/payouts-api"]


@pytest.mark.parametrize(("written", "name"), [
    ('"orders"', "orders"),
    ('"${shop.topic:orders-v2}"', "orders-v2"),
    ('"${shop.topic}"', None),
    ('"${shop.topic:}"', None),
    ("ORDERS", "orders"),
    ("Names.ORDERS", "orders"),
    ("TWICE", None),
    ("computeTopic()", None),
    ('"#{topics.name}"', None),
])
def test_channel_names_come_from_what_the_code_shows(written: str, name: str | None) -> None:
    declared = ('class Names { static final String ORDERS = "orders"; }\n'
                'class B { String TWICE = "a"; }\nclass C { String TWICE = "b"; }\n')
    consts = code_channels.constants([("A.java", declared)])
    assert code_channels._value(written, consts) == name


PARCEL_CONFIG = """
    package depot.parcels;

    import org.springframework.amqp.core.*;
    import org.springframework.context.annotation.Bean;

    public class ParcelBroker {
        public static final String SCANS = "parcel-scans";
        static final String SCAN_LOG = "parcel-scan-log";

        @Bean
        FanoutExchange scans() {
            return new FanoutExchange(SCANS);
        }

        @Bean
        Queue scanLog() {
            return new Queue(SCAN_LOG, false);
        }

        @Bean
        Binding logScans(Queue scanLog, FanoutExchange scans) {
            return BindingBuilder.bind(scanLog).to(scans);
        }

        @Bean
        Queue labels() {
            return QueueBuilder.durable("label-jobs").ttl(90_000).maxLength(500L)
                    .deadLetterExchange("label-jobs-dlx").build();
        }
    }
"""

PARCEL_CODE = """
    package depot.parcels;

    import org.springframework.amqp.rabbit.annotation.RabbitListener;
    import org.springframework.amqp.rabbit.core.RabbitTemplate;

    public class ScanDesk {
        private final RabbitTemplate rabbit;

        public void scanned(String parcel) {
            rabbit.convertAndSend(ParcelBroker.SCANS, "", parcel);
            rabbit.convertAndSend("label-jobs", parcel);
        }

        @RabbitListener(queues = "parcel-scan-log")
        public void log(String parcel) { }

        @RabbitListener(queues = "label-jobs")
        public void print(String parcel) { }
    }
"""


def test_spring_amqp_declarations_join_exchange_and_bound_queue(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "depot/src/main/java/depot/parcels/ParcelBroker.java", PARCEL_CONFIG)
    write(tmp, "depot/src/main/java/depot/parcels/ScanDesk.java", PARCEL_CODE)
    design = load_documents(load_artifacts([f"source={tmp}/depot"]))
    scans = fact(design, "channel:parcel-scans").data
    # the producer addresses the exchange; the listener reads its one bound queue (its group): one channel
    assert scans["producers"] == ["depot"]
    assert scans["consumers"] == [{"service": "depot", "group": "parcel-scan-log"}]
    assert (scans["kind"], scans["durable"]) == ("queue", False)  # the bound queue is declared non-durable
    assert "channel:parcel-scan-log" not in design.by_key()
    labels = fact(design, "channel:label-jobs").data
    assert (labels["durable"], labels["bounded"], labels["message_ttl_seconds"], labels["dead_letter"]) == (
        True, True, 90, True)


DISPATCH_CONFIG = """
    package depot.dispatch;

    import org.springframework.amqp.core.*;
    import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;

    public class DispatchConsumer {
        protected final String jobs = "dispatch-jobs";

        @Bean
        Queue jobsQueue() { return new Queue(this.jobs, false); }

        @Bean
        TopicExchange dispatch() { return new TopicExchange("dispatch"); }

        @Bean
        Binding bound(Queue jobsQueue, TopicExchange dispatch) {
            return BindingBuilder.bind(jobsQueue).to(dispatch).with(jobs);
        }

        @Bean
        public SimpleMessageListenerContainer listenerContainer() {
            SimpleMessageListenerContainer container = new SimpleMessageListenerContainer();
            container.setQueueNames(this.jobs);
            return container;
        }
    }
"""


def test_spring_amqp_listener_container_built_in_code_consumes_its_queues(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "courier/src/main/java/depot/dispatch/DispatchConsumer.java", DISPATCH_CONFIG)
    design = load_documents(load_artifacts([f"source={tmp}/courier"]))
    dispatch = fact(design, "channel:dispatch").data
    # the container reads the queue bound to the exchange: a consumer of the exchange's channel, the queue its group
    assert dispatch["consumers"] == [{"service": "courier", "group": "dispatch-jobs"}]
    assert dispatch["durable"] is False


FANOUT_KT = """
    package depot.alerts

    import org.springframework.amqp.core.Binding
    import org.springframework.amqp.core.BindingBuilder
    import org.springframework.amqp.core.Queue
    import org.springframework.amqp.core.TopicExchange
    import org.springframework.amqp.rabbit.annotation.RabbitListener
    import org.springframework.amqp.rabbit.core.RabbitTemplate

    class Alerts(private val rabbit: RabbitTemplate) {
        @Bean fun alerts() = TopicExchange("alerts")
        @Bean fun pager() = Queue("alerts-pager")
        @Bean fun archive() = Queue("alerts-archive")
        @Bean fun toPager(): Binding = BindingBuilder.bind(pager()).to(alerts()).with("alert.#")
        @Bean fun toArchive(): Binding = BindingBuilder.bind(archive()).to(alerts()).with("#")

        fun raise(text: String) = rabbit.convertAndSend("alerts", "alert.disk", text)
        fun file(text: String) = rabbit.convertAndSend("alerts-archive", text)

        @RabbitListener(queues = ["alerts-pager"])
        fun page(text: String) {}
    }
"""


def test_spring_amqp_exchange_with_several_queues_is_a_topic(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    write(tmp, "watch/src/main/kotlin/depot/alerts/Alerts.kt", FANOUT_KT)
    design = load_documents(load_artifacts([f"source={tmp}/watch"]))
    alerts = fact(design, "channel:alerts").data
    assert alerts["kind"] == "topic"  # a copy of each message to each bound queue
    assert alerts["consumers"] == [{"service": "watch", "group": "alerts-pager"}]
    assert alerts["durable"] is True  # Queue(name) and TopicExchange(name) are durable by default
    assert "bounded" not in alerts and "message_ttl_seconds" not in alerts  # not declared on every queue
    # a send to a bound queue by its name (the default exchange) is on the same channel
    assert alerts["producers"] == ["watch"] and "channel:alerts-archive" not in design.by_key()


def test_a_topic_named_like_a_service_is_renamed_so_that_the_design_loads(tmp_path: Any) -> None:
    tmp = str(tmp_path)
    compose = write(tmp, "compose.yaml", """
        services:
          invoices: {image: acme/invoices, environment: {SPRING_KAFKA_BOOTSTRAP_SERVERS: "kafka:9092"}}
          ledger: {image: acme/ledger, environment: {SPRING_KAFKA_BOOTSTRAP_SERVERS: "kafka:9092"}}
          kafka: {image: apache/kafka:3.7.0}
    """)
    write(tmp, "invoices/Issuer.java", """
        public class Issuer {
            private final KafkaTemplate<String, String> kafka;
            public void issue(String body) { kafka.send("invoices", body); kafka.send("ledger", body); }
        }
    """)
    write(tmp, "ledger/Books.java", """
        public class Books {
            @KafkaListener(topics = "ledger", groupId = "books")
            public void onEntry(String body) { }
        }
    """)
    docs = load_artifacts([f"compose={compose}", f"source={tmp}/invoices", f"source={tmp}/ledger"])
    design = load_documents(docs)  # two topics named like services: before, the design did not load
    keys = design.by_key()
    assert "service:invoices" in keys and "service:ledger" in keys
    assert fact(design, "channel:invoices-topic").data["producers"] == ["invoices"]
    ledger = fact(design, "channel:ledger-topic").data
    assert ledger["producers"] == ["invoices"] and [c["service"] for c in ledger["consumers"]] == ["ledger"]
    assert "interaction:invoices->ledger-topic" in keys and "interaction:invoices->ledger" not in keys
    notes = [n for d in docs for n in getattr(d, "notes", {}).get("channel:ledger-topic", [])]
    assert any("the artifact calls it ledger" in n for n in notes)
