/* Plain-C baseline for bench/mpi/mpinet (MPI.NET) and for our Open MPI binding: the float32 collectives
 * data-parallel training and ZeRO-1 use, timed over MPI_COMM_WORLD at several sizes.
 *
 *   allreduce       in-place      MPI_Allreduce(MPI_IN_PLACE, buf[n])          what ICollective.AllReduceSum does
 *   allreduce       out-of-place  MPI_Allreduce(send[n] -> recv[n])            what MPI.NET's array Allreduce does
 *   reduce_scatter  out-of-place  MPI_Reduce_scatter(send[n] -> recv[n/N])     gradients -> this rank's shard
 *   allgather       out-of-place  MPI_Allgatherv(send[n/N] -> recv[n])         shards -> full parameters
 *
 * MPI.NET's high-level ReduceScatter and AllgatherFlattened call MPI_Reduce_scatter and MPI_Allgatherv
 * (with equal counts), so these are the calls timed here too. n = size / 4 floats, rounded down to a
 * multiple of N. Buffers are allocated and touched once per size; each case is checked for exact
 * values (small integers, exact in float32), then zeroed, warmed up twice and timed; the time is
 * averaged over ranks. Bandwidths as nccl-tests: algbw = size / time (GB = 1e9 bytes), busbw =
 * algbw * 2(N-1)/N for all-reduce and * (N-1)/N for reduce-scatter and all-gather (size = the full
 * buffer). One JSON line per case on rank 0.
 *
 * Usage: mpirun -np 2 ./collectives [MiB list=1,4,16,64] [MiB moved per case=256]
 *   iterations per case = max(8, moved / size)
 * Build it against the MPI that will run it: mpicc.mpich for mpirun.mpich, mpicc.openmpi for mpirun.openmpi. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;

static void *allocate(size_t bytes)
{
    void *p = malloc(bytes > 0 ? bytes : 1);
    if (p == NULL) {
        fprintf(stderr, "collectives: rank %d cannot allocate %zu bytes\n", rank, bytes);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    memset(p, 0, bytes); /* touch every page before timing */
    return p;
}

/* The value rank r contributes at element i: small integers, so every sum is exact. */
static float contribution(int r, long i) { return (float)(r + 1 + i % 5); }

/* Sum over ranks of contribution(r, i) = N(N+1)/2 + N (i mod 5). */
static float expected_sum(long i) { return (float)(size * (size + 1) / 2 + size * (i % 5)); }

static void fail_job_if(int wrong, const char *what, long bytes)
{
    int failing = 0;
    MPI_Allreduce(&wrong, &failing, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (failing > 0) {
        if (rank == 0) fprintf(stderr, "collectives: %s of %ld bytes: %d of %d ranks got wrong values\n", what, bytes, failing, size);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
}

enum op { ALLREDUCE_IN_PLACE, ALLREDUCE, REDUCE_SCATTER, ALLGATHER };
static const char *op_name[] = { "allreduce", "allreduce", "reduce_scatter", "allgather" };
static const char *mode_name[] = { "in-place", "out-of-place", "out-of-place", "out-of-place" };

struct buffers { float *send, *recv; long n, shard; int *counts, *displs; };

static void call(enum op op, struct buffers *b)
{
    switch (op) {
    case ALLREDUCE_IN_PLACE: MPI_Allreduce(MPI_IN_PLACE, b->recv, (int)b->n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD); break;
    case ALLREDUCE: MPI_Allreduce(b->send, b->recv, (int)b->n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD); break;
    case REDUCE_SCATTER: MPI_Reduce_scatter(b->send, b->recv, b->counts, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD); break;
    case ALLGATHER: MPI_Allgatherv(b->send, (int)b->shard, MPI_FLOAT, b->recv, b->counts, b->displs, MPI_FLOAT, MPI_COMM_WORLD); break;
    }
}

/* Fills the inputs, runs the call once and compares every output element with its exact value. */
static void check(enum op op, struct buffers *b)
{
    int wrong = 0;
    switch (op) {
    case ALLREDUCE_IN_PLACE:
        for (long i = 0; i < b->n; i++) b->recv[i] = contribution(rank, i);
        call(op, b);
        for (long i = 0; i < b->n; i++) wrong |= b->recv[i] != expected_sum(i);
        break;
    case ALLREDUCE:
        for (long i = 0; i < b->n; i++) b->send[i] = contribution(rank, i);
        call(op, b);
        for (long i = 0; i < b->n; i++) wrong |= b->recv[i] != expected_sum(i);
        break;
    case REDUCE_SCATTER:
        for (long i = 0; i < b->n; i++) b->send[i] = contribution(rank, i);
        call(op, b);
        for (long j = 0; j < b->shard; j++) wrong |= b->recv[j] != expected_sum(rank * b->shard + j);
        break;
    case ALLGATHER:
        for (long j = 0; j < b->shard; j++) b->send[j] = contribution(rank, j);
        call(op, b);
        for (long i = 0; i < b->n; i++) wrong |= b->recv[i] != contribution((int)(i / b->shard), i % b->shard);
        break;
    }
    fail_job_if(wrong, op_name[op], b->n * (long)sizeof(float));
}

static void run(enum op op, struct buffers *b, int iterations)
{
    check(op, b);
    long send_n = op == ALLGATHER ? b->shard : b->n, recv_n = op == REDUCE_SCATTER ? b->shard : b->n;
    memset(b->send, 0, (size_t)send_n * sizeof(float));
    memset(b->recv, 0, (size_t)recv_n * sizeof(float));
    for (int i = 0; i < 2; i++) call(op, b);
    MPI_Barrier(MPI_COMM_WORLD);
    double start = MPI_Wtime();
    for (int i = 0; i < iterations; i++) call(op, b);
    double seconds = MPI_Wtime() - start;
    MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);

    long bytes = b->n * (long)sizeof(float);
    double per_iteration = seconds / size / iterations;
    double alg = bytes / per_iteration / 1e9;
    double bus = alg * (op == ALLREDUCE || op == ALLREDUCE_IN_PLACE ? 2.0 : 1.0) * (size - 1) / size;
    if (rank == 0) {
        printf("{\"op\":\"%s\",\"mode\":\"%s\",\"ranks\":%d,\"bytes\":%ld,\"iterations\":%d,\"seconds_per_iteration\":%g,\"alg_bandwidth\":%g,\"bus_bandwidth\":%g}\n",
               op_name[op], mode_name[op], size, bytes, iterations, per_iteration, alg, bus);
        fflush(stdout);
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    char sizes[256] = "1,4,16,64";
    if (argc > 1) snprintf(sizes, sizeof sizes, "%s", argv[1]);
    long moved_mib = argc > 2 ? atol(argv[2]) : 256;

    for (char *item = strtok(sizes, ","); item != NULL; item = strtok(NULL, ",")) {
        long mib = atol(item);
        if (mib <= 0 || mib > 1024) {
            if (rank == 0) fprintf(stderr, "collectives: size '%s' MiB must be 1..1024\n", item);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        struct buffers b;
        b.shard = (mib << 20) / (long)sizeof(float) / size;
        b.n = b.shard * size;
        b.send = allocate((size_t)b.n * sizeof(float));
        b.recv = allocate((size_t)b.n * sizeof(float));
        b.counts = allocate((size_t)size * sizeof(int));
        b.displs = allocate((size_t)size * sizeof(int));
        for (int r = 0; r < size; r++) { b.counts[r] = (int)b.shard; b.displs[r] = (int)(r * b.shard); }
        long per_size = moved_mib / mib;
        int iterations = (int)(per_size > 8 ? per_size : 8);

        run(ALLREDUCE_IN_PLACE, &b, iterations);
        run(ALLREDUCE, &b, iterations);
        run(REDUCE_SCATTER, &b, iterations);
        run(ALLGATHER, &b, iterations);
        free(b.send); free(b.recv); free(b.counts); free(b.displs);
    }
    MPI_Finalize();
    return 0;
}
