// A single-process HDFS for Ferry's connector tests (hack/services/hdfs.sh): one NameNode and one
// DataNode from hadoop-client-minicluster, WebHDFS on, permissions off, on the given loopback ports.
// Usage: java FerryMiniHdfs <base dir> <namenode rpc port> <namenode http port> [format|keep]
// ("keep": start over the metadata and blocks a previous run left in <base dir>, after a crash)
// Prints "FERRY-HDFS-READY" once the cluster is up; stops cleanly on SIGTERM.
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

public final class FerryMiniHdfs {
    public static void main(String[] args) throws Exception {
        if (args.length != 3 && args.length != 4) {
            System.err.println("usage: FerryMiniHdfs <base dir> <rpc port> <http port> [format|keep]");
            System.exit(2);
        }
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, args[0]);
        conf.setBoolean("dfs.webhdfs.enabled", true);
        conf.setBoolean("dfs.permissions.enabled", false);
        conf.set("dfs.namenode.rpc-bind-host", "127.0.0.1");
        conf.set("dfs.namenode.http-bind-host", "127.0.0.1");
        conf.set("dfs.datanode.address", "127.0.0.1:0");
        conf.set("dfs.datanode.http.address", "127.0.0.1:0");
        conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
        conf.setInt("dfs.replication", 1);
        // Test speed on a shared machine: no fsync of the NameNode's edit log per operation, and
        // the DataNode's client polls for a closed file's completion every 20 ms instead of
        // backing off from 400 ms. Semantics are unchanged.
        conf.setBoolean("dfs.namenode.edits.noeditlogchannelflush", true);
        conf.setInt("dfs.client.block.write.locateFollowingBlock.initial.delay.ms", 20);
        // Small listing pages (default 1000), so that clients' LISTSTATUS_BATCH paging with
        // startAfter is exercised by directories of a few files.
        conf.setInt("dfs.ls.limit", 4);
        conf.setLong("dfs.blocksize", 1048576L);
        conf.setLong("dfs.namenode.fs-limits.min-block-size", 1024L);
        final MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf)
                .nameNodePort(Integer.parseInt(args[1]))
                .nameNodeHttpPort(Integer.parseInt(args[2]))
                .numDataNodes(1)
                .format(args.length < 4 || !args[3].equals("keep"))
                .build();
        cluster.waitActive();
        Runtime.getRuntime().addShutdownHook(new Thread(cluster::shutdown));
        System.out.println("FERRY-HDFS-READY rpc=" + cluster.getNameNodePort() + " http="
                + cluster.getNameNode().getHttpAddress().getPort());
        System.out.flush();
        Thread.currentThread().join();
    }
}
