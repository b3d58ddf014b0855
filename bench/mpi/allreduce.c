/* Plain-C MPI_Allreduce timing, the baseline for `remit bench allreduce`: the same in-place float32
 * sum over MPI_COMM_WORLD, the same buffer, warmup and iteration count, the same bandwidth formulas
 * (algbw = bytes / time, busbw = algbw * 2(N-1)/N, GB = 1e9; time averaged over ranks).
 * Usage: mpirun -np 2 ./allreduce [MiB=64] [iters=20] */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    long mib = argc > 1 ? atol(argv[1]) : 64;
    int iters = argc > 2 ? atoi(argv[2]) : 20;
    long bytes = mib << 20;
    int count = (int)(bytes / sizeof(float));
    float *buffer = calloc((size_t)count, sizeof(float));
    if (buffer == NULL) {
        fprintf(stderr, "allreduce: cannot allocate %ld MiB\n", mib);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }

    for (int i = 0; i < 2; i++)
        MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    double start = MPI_Wtime();
    for (int i = 0; i < iters; i++)
        MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    double seconds = MPI_Wtime() - start;
    MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);

    double per_iteration = seconds / size / iters;
    double alg = bytes / per_iteration / 1e9;
    double bus = alg * 2.0 * (size - 1) / size;
    if (rank == 0) {
        printf("allreduce (C) %ld MiB x %d on %d ranks: %.2f ms each, algbw %.2f GB/s, busbw %.2f GB/s\n",
               mib, iters, size, per_iteration * 1e3, alg, bus);
        printf("{\"ranks\":%d,\"bytes\":%ld,\"iterations\":%d,\"seconds_per_iteration\":%g,\"alg_bandwidth\":%g,\"bus_bandwidth\":%g}\n",
               size, bytes, iters, per_iteration, alg, bus);
    }
    free(buffer);
    MPI_Finalize();
    return 0;
}
