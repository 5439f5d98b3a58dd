export { startCephCluster, destroyCephCluster, removeStaleCephClusters, cephCli, type CephClusterInfo, type CephClusterOptions } from './ceph-cluster.ts';
export { useTestCephCluster, uniqueRbdName, cephConfEnvVar, type TestCephCluster } from './shared-test-cluster.ts';
