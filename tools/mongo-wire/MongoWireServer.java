/*
 * shopmesh dev tooling: a tiny launcher around mongo-java-server (de.bwaldvogel, 1.47.0)
 * so tests and the local default run can talk the MongoDB wire protocol without a real mongod.
 *
 * Usage:
 *   java -cp "<dir>/classes:<dir>/lib/*" MongoWireServer [--port N] [--host H]
 *        [--backend memory|h2] [--file PATH] [--wire-version N] [--log-level L] [--no-stdin-watch]
 *        [--no-serialize]
 *
 *   --port N           TCP port, 0 = pick a free one (default 0)
 *   --host H           bind address (default 127.0.0.1, loopback only)
 *   --backend B        memory (default) or h2 (MVStore file, persistent)
 *   --file PATH        h2 database file (required for --backend h2; parent dirs are created)
 *   --wire-version N   maxWireVersion to advertise (default 9 = MongoDB 4.4). The bundled default
 *                      of mongo-java-server is 8, which the mongodb 7 Node driver rejects (min 9).
 *   --log-level L      slf4j-simple level for stderr logs (default warn). At warn/error/off the per-command
 *                      error stack traces (E11000 etc., already returned to the client) are suppressed.
 *   --no-stdin-watch   do not exit when stdin reaches EOF (for running by hand in the background)
 *   --no-serialize     don't wrap the backend in SerializedBackend (see there; default: wrapped)
 *
 * Protocol with the parent process:
 *   - once listening, exactly one line "READY <port>" is printed to stdout (and flushed);
 *     nothing else is ever written to stdout. Logs (warn and above) go to stderr.
 *   - exits cleanly (closes the server; for h2 closes the MVStore so data is persisted) on
 *     SIGTERM / SIGINT and when stdin reaches EOF (parent died or closed the pipe).
 *   - exit code 2 on bad arguments, 1 on startup failure (e.g. port in use, h2 file locked).
 *
 * Notes: h2 writes are auto-committed by MVStore about once a second, so only a SIGKILL of this
 * process can lose the last ~1s of writes. One process per h2 file (the MVStore file is locked).
 * Default logging hides mongo-java-server's per-command error traces and "not yet implemented"
 * index warnings (non-unique secondary indexes are accepted but not used); use --log-level info.
 */

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

public final class MongoWireServer {

    private MongoWireServer() {
    }

    /** Advertised server version; only affects the hello/isMaster/buildInfo replies. */
    private static final class AdvertisedVersion implements de.bwaldvogel.mongo.MongoVersion {
        private final int wireVersion;
        private final List<Integer> versionArray;

        AdvertisedVersion(int wireVersion) {
            this.wireVersion = wireVersion;
            this.versionArray = versionFor(wireVersion);
        }

        private static List<Integer> versionFor(int wire) {
            if (wire >= 25) return List.of(8, 0, 0);
            if (wire >= 21) return List.of(7, 0, 0);
            if (wire >= 17) return List.of(6, 0, 0);
            if (wire >= 13) return List.of(5, 0, 0);
            if (wire >= 9) return List.of(4, 4, 0);
            if (wire >= 8) return List.of(4, 2, 0);
            return List.of(4, 0, 0);
        }

        @Override
        public List<Integer> getVersionArray() {
            return versionArray;
        }

        @Override
        public int getWireVersion() {
            return wireVersion;
        }
    }

    /**
     * Runs every request under one global lock and deep-copies the reply before releasing it.
     *
     * mongo-java-server mutates stored documents in place on update, and the reply is encoded by
     * netty after the collection lock is released. Without this wrapper, the document returned by
     * findOneAndUpdate(..., {returnDocument: 'after'}) can already contain a later concurrent update
     * (seen in ~10% of 10-way races on one document, both backends). Throughput is irrelevant here.
     */
    private static final class SerializedBackend implements de.bwaldvogel.mongo.MongoBackend {
        private final de.bwaldvogel.mongo.MongoBackend delegate;

        SerializedBackend(de.bwaldvogel.mongo.MongoBackend delegate) {
            this.delegate = delegate;
        }

        private static de.bwaldvogel.mongo.bson.Document copy(de.bwaldvogel.mongo.bson.Document d) {
            return d == null ? null : d.cloneDeeply();
        }

        @Override
        public synchronized void handleClose(io.netty.channel.Channel channel) {
            delegate.handleClose(channel);
        }

        @Override
        public synchronized de.bwaldvogel.mongo.bson.Document handleCommand(io.netty.channel.Channel channel,
                String databaseName, String command, de.bwaldvogel.mongo.bson.Document query) {
            return copy(delegate.handleCommand(channel, databaseName, command, query));
        }

        @Override
        public synchronized de.bwaldvogel.mongo.backend.QueryResult handleQuery(
                de.bwaldvogel.mongo.wire.message.MongoQuery query) {
            de.bwaldvogel.mongo.backend.QueryResult result = delegate.handleQuery(query);
            List<de.bwaldvogel.mongo.bson.Document> docs = new java.util.ArrayList<>();
            for (de.bwaldvogel.mongo.bson.Document d : result) {
                docs.add(copy(d));
            }
            return new de.bwaldvogel.mongo.backend.QueryResult(docs, result.getCursorId());
        }

        @Override
        public synchronized de.bwaldvogel.mongo.bson.Document handleMessage(
                de.bwaldvogel.mongo.wire.message.MongoMessage message) {
            return copy(delegate.handleMessage(message));
        }

        @Override
        public synchronized void dropDatabase(String database) {
            delegate.dropDatabase(database);
        }

        @Override
        public synchronized java.util.Collection<de.bwaldvogel.mongo.bson.Document> getCurrentOperations(
                de.bwaldvogel.mongo.wire.message.MongoQuery query) {
            return delegate.getCurrentOperations(query);
        }

        @Override
        public synchronized de.bwaldvogel.mongo.bson.Document getServerStatus() {
            return copy(delegate.getServerStatus());
        }

        @Override
        public synchronized void close() {
            delegate.close();
        }

        @Override
        public synchronized void closeCursors(List<Long> cursorIds) {
            delegate.closeCursors(cursorIds);
        }

        @Override
        public java.time.Clock getClock() {
            return delegate.getClock();
        }

        @Override
        public synchronized void enableOplog() {
            delegate.enableOplog();
        }

        @Override
        public synchronized void disableOplog() {
            delegate.disableOplog();
        }

        @Override
        public synchronized de.bwaldvogel.mongo.MongoDatabase resolveDatabase(String database) {
            return delegate.resolveDatabase(database);
        }

        @Override
        public synchronized de.bwaldvogel.mongo.MongoBackend version(de.bwaldvogel.mongo.MongoVersion version) {
            delegate.version(version);
            return this;
        }
    }

    private static void usage(PrintStream out) {
        out.println("usage: MongoWireServer [--port N] [--host 127.0.0.1] [--backend memory|h2] [--file PATH]"
            + " [--wire-version N] [--log-level warn|info|debug|error|off] [--no-stdin-watch] [--no-serialize]");
    }

    private static void die(int code, String msg) {
        System.err.println("mongo-wire: " + msg);
        System.exit(code);
    }

    public static void main(String[] args) {
        int port = 0;
        String host = "127.0.0.1";
        String backendName = "memory";
        String file = null;
        int wireVersion = 9;
        boolean stdinWatch = true;
        String logLevel = "warn";
        boolean serialize = true;

        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                v = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            switch (a) {
                case "--help":
                case "-h":
                    usage(System.out);
                    return;
                case "--no-stdin-watch":
                    stdinWatch = false;
                    continue;
                case "--no-serialize":
                    serialize = false;
                    continue;
                case "--port":
                case "--host":
                case "--backend":
                case "--file":
                case "--wire-version":
                case "--log-level":
                    if (v == null) {
                        if (i + 1 >= args.length) {
                            usage(System.err);
                            die(2, "missing value for " + a);
                        }
                        v = args[++i];
                    }
                    break;
                default:
                    usage(System.err);
                    die(2, "unknown argument: " + args[i]);
            }
            try {
                switch (a) {
                    case "--port":
                        port = Integer.parseInt(v);
                        if (port < 0 || port > 65535) throw new NumberFormatException();
                        break;
                    case "--host":
                        host = v;
                        break;
                    case "--backend":
                        backendName = v;
                        break;
                    case "--file":
                        file = v;
                        break;
                    case "--wire-version":
                        wireVersion = Integer.parseInt(v);
                        break;
                    case "--log-level":
                        logLevel = v;
                        break;
                    default:
                        break;
                }
            } catch (NumberFormatException e) {
                die(2, "invalid number for " + a + ": " + v);
            }
        }

        // Must happen before any slf4j logger is created (i.e. before touching mongo-java-server classes).
        // -D system properties given on the java command line take precedence.
        setDefaultProperty("org.slf4j.simpleLogger.defaultLogLevel", logLevel);
        setDefaultProperty("org.slf4j.simpleLogger.logFile", "System.err");
        setDefaultProperty("org.slf4j.simpleLogger.showDateTime", "true");
        if (!logLevel.equals("info") && !logLevel.equals("debug") && !logLevel.equals("trace")) {
            // Every command error that is returned to the client anyway (E11000 duplicate key,
            // NamespaceExists from mongoose autoCreate, ...) is otherwise logged with a full stack trace.
            setDefaultProperty("org.slf4j.simpleLogger.log.de.bwaldvogel.mongo.wire.MongoWireProtocolHandler", "off");
            // "exception for client ...: Connection reset" whenever a client drops its socket
            setDefaultProperty("org.slf4j.simpleLogger.log.de.bwaldvogel.mongo.wire.MongoExceptionHandler", "off");
            // "Closing N clients" on every shutdown
            setDefaultProperty("org.slf4j.simpleLogger.log.de.bwaldvogel.mongo.MongoServer", "error");
            // "adding secondary index with keys [...] is not yet implemented. ignoring" for every
            // non-unique index on every startup (only _id and unique indexes are real; queries still work).
            setDefaultProperty("org.slf4j.simpleLogger.log.de.bwaldvogel.mongo.backend.AbstractMongoDatabase", "error");
        }

        final de.bwaldvogel.mongo.backend.AbstractMongoBackend backend;
        try {
            switch (backendName) {
                case "memory":
                    backend = new de.bwaldvogel.mongo.backend.memory.MemoryBackend();
                    break;
                case "h2": {
                    if (file == null || file.isEmpty()) {
                        die(2, "--backend h2 requires --file <path>");
                    }
                    Path p = Paths.get(file).toAbsolutePath();
                    Path parent = p.getParent();
                    if (parent != null) Files.createDirectories(parent);
                    backend = new de.bwaldvogel.mongo.backend.h2.H2Backend(p.toString());
                    break;
                }
                default:
                    usage(System.err);
                    die(2, "unknown backend '" + backendName + "' (expected memory or h2)");
                    return;
            }
        } catch (IOException | RuntimeException e) {
            die(1, "failed to open " + backendName + " backend"
                + (file != null ? " (file " + file + ")" : "") + ": " + e);
            return;
        }
        backend.version(new AdvertisedVersion(wireVersion));

        final de.bwaldvogel.mongo.MongoServer server = new de.bwaldvogel.mongo.MongoServer(
            serialize ? new SerializedBackend(backend) : backend);
        final AtomicBoolean stopped = new AtomicBoolean(false);
        final Runnable stop = () -> {
            if (!stopped.compareAndSet(false, true)) return;
            try {
                // closes client connections, the event loops and then backend.close()
                // (for h2 that closes the MVStore, which commits and flushes the file).
                server.shutdownNow();
            } catch (Throwable t) {
                System.err.println("mongo-wire: error during shutdown: " + t);
                try {
                    backend.close();
                } catch (Throwable ignored) {
                    // best effort
                }
            }
        };
        // SIGTERM / SIGINT / System.exit all run shutdown hooks.
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "mongo-wire-shutdown"));
        // Make SIGTERM/SIGINT exit with status 0 (instead of 143/130) after the hook ran.
        exitZeroOnSignal("TERM");
        exitZeroOnSignal("INT");

        final int boundPort;
        try {
            server.bind(host, port);
            boundPort = server.getLocalAddress().getPort();
        } catch (Exception e) { // netty rethrows checked exceptions (e.g. BindException) sneakily
            stop.run();
            die(1, "failed to bind " + host + ":" + port + ": " + e);
            return;
        }

        System.out.println("READY " + boundPort);
        System.out.flush();

        if (stdinWatch) {
            Thread watcher = new Thread(() -> {
                InputStream in = System.in;
                byte[] buf = new byte[256];
                try {
                    while (in.read(buf) >= 0) {
                        // ignore anything the parent writes; we only care about EOF
                    }
                } catch (IOException ignored) {
                    // treat a broken stdin like EOF
                }
                System.exit(0); // runs the shutdown hook
            }, "mongo-wire-stdin-watch");
            watcher.setDaemon(true);
            watcher.start();
        }
        // Netty's non-daemon event loop threads keep the JVM alive until shutdown.
    }

    /** sun.misc.Signal via reflection (jdk.unsupported) so javac stays quiet; falls back to JVM default. */
    private static void exitZeroOnSignal(String name) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance(name);
            Object handler = java.lang.reflect.Proxy.newProxyInstance(
                MongoWireServer.class.getClassLoader(), new Class<?>[] {handlerClass},
                (proxy, method, margs) -> {
                    if ("handle".equals(method.getName())) {
                        System.exit(0); // runs the shutdown hook
                    }
                    return null;
                });
            signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
        } catch (Throwable ignored) {
            // default JVM handling still runs the shutdown hook (exit status 128+signal)
        }
    }

    private static void setDefaultProperty(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }
}
