//go:build chaos && linux

package chaos

import "testing"

// TestChaos runs every scenario in turn; each states what must hold after
// its fault and checks it. Run one with -run 'TestChaos/NAME', or
// CHAOS_RUN=NAME ./chaos/run.
func TestChaos(t *testing.T) {
	scenario(t, "1_child_sigkill_x100", testChildSigkill)
	scenario(t, "2_supervisor_sigkill_mid_pass", testSupervisorSigkill)
	scenario(t, "3_network_gone_and_back", testNetworkGone)
	scenario(t, "4_provider_api_faults", testProviderFaults)
	scenario(t, "5_echo_service_garbage", testEchoGarbage)
	scenario(t, "6_state_disk_full_and_read_only", testDiskFull)
	scenario(t, "7_config_garbage_empty_secret", testConfigGarbage)
	scenario(t, "8_socket_flood_and_garbage", testSocketFlood)
	scenario(t, "14.1_planted_lock_folder_refused", testPlantedLockFolder)
	scenario(t, "14.2_http_other_users_and_rebinding", testHTTPOtherUsers)
	scenario(t, "14.3_status_for_any_user_custom_folder", testStatusForAnyUserCustomFolder)
	scenario(t, "14.4_config_fifo_and_dev_zero", testConfigFIFOAndDevZero)
	scenario(t, "14.5_nested_config_saved_live", testNestedConfigSavedLive)
	scenario(t, "14.6_logs_of_control_bytes_bounded", testLogsOfControlBytes)
	scenario(t, "14.7_setsid_grandchild_contained", testSetsidGrandchildContained)
	scenario(t, "14.8_command_source_hang", testCommandSourceHang)
	scenario(t, "14.9_stderr_reader_gone", testStderrReaderGone)
	scenario(t, "14.10_pid1_reaps_exit_codes", testPID1Reaping)
	scenario(t, "14.11_socket_deleted_comes_back", testSocketDeleted)
	scenario(t, "16.1_journal_kill9_while_appending", testJournalKill9)
}
