// The pipelines/ scripts, each run as a user would, its output measured by
// ffmpeg's ebur128 and the 16x true-peak meter.
#include "cli_run.hpp"
#include "signals.hpp"
#include "true_peak16.hpp"

#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

extern char** environ;

namespace {

using namespace lacquer::test;

std::string script(const std::string& name) {
  return std::string(LACQUER_SOURCE_ROOT) + "/pipelines/" + name;
}

// The scripts find the elements of this build tree.
struct PluginPath {
  PluginPath() {
    setenv("GST_PLUGIN_PATH", (std::string(LACQUER_BUILD_ROOT) + "/elements").c_str(), 1);
  }
};

// The demo mix turned down by `db` (sox), as a 24-bit WAV.
std::string demo_at(const ScratchDir& scratch, double db, double seconds = 30.0) {
  const std::string path = scratch / "demo.wav";
  capture("ffmpeg -v error -nostdin -y -i " + demo_mix() + " -t " + std::to_string(seconds) +
          " -af volume=" + std::to_string(db) + "dB -c:a pcm_s24le " + path);
  return path;
}

pid_t spawn(std::vector<std::string> words) {
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int failed = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return failed != 0 ? -1 : pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool port_open(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(std::uint16_t(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool open = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return open;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(pipeline_scripts, PluginPath)

BOOST_AUTO_TEST_CASE(master_file_keeps_the_length_and_holds_the_ceiling_in_16x_true_peak) {
  ScratchDir scratch;
  const std::string input = demo_at(scratch, 0.0);
  const std::string output = scratch / "mastered.wav";
  // Pushed 8 dB into the chain so the limiter has work to do.
  const int code = std::system((script("master-file") + " " + input + " " + output + " pop -1 8").c_str());
  BOOST_TEST_REQUIRE(code == 0);
  const Planar in = decode(input);
  const Planar out = decode(output);
  BOOST_TEST(out[0].size() == in[0].size());
  const double true_peak = TruePeak16().peak_db(out);
  BOOST_TEST_MESSAGE("master-file: " << true_peak << " dBTP (16x)");
  BOOST_TEST(true_peak <= -1.0);
}

BOOST_AUTO_TEST_CASE(broadcast_normalises_to_ebu_r128_and_atsc_a85_within_1_lu_under_their_ceilings) {
  // EBU R128 allows +-1 LU for live programmes; the demo mix comes in 8 dB
  // low (about -27 LUFS), so the normaliser has to ride it up.
  ScratchDir scratch;
  const std::string input = demo_at(scratch, -8.0);
  const TruePeak16 meter;
  struct Case { const char* standard; double lufs; double ceiling_dbtp; };
  for (const Case c : {Case{"ebu-r128", -23.0, -1.0}, Case{"atsc-a85", -24.0, -2.0}}) {
    const std::string output = scratch / (std::string(c.standard) + ".wav");
    const int code = std::system((script("broadcast") + " " + c.standard + " " + input + " " +
                                  output + " >/dev/null").c_str());
    BOOST_TEST_REQUIRE(code == 0);
    const double integrated = ffmpeg_integrated_lufs(output);
    const double true_peak = meter.peak_db(decode(output));
    BOOST_TEST_MESSAGE("broadcast " << c.standard << ": " << integrated << " LUFS, " << true_peak
                                    << " dBTP");
    BOOST_TEST(std::abs(integrated - c.lufs) <= 1.0);
    BOOST_TEST(true_peak <= c.ceiling_dbtp);
  }
}

BOOST_AUTO_TEST_CASE(radio_icecast_stream_heard_by_a_listener_is_within_1_lu_of_minus_16_lufs_under_minus_1_dbtp) {
  ScratchDir scratch;
  std::filesystem::permissions(scratch / "", std::filesystem::perms::all);  // icecast2 logs as nobody
  const int port = 20000 + int(getpid() % 20000);
  {
    std::ofstream config(scratch / "icecast.xml");
    config << "<icecast><limits><sources>2</sources><burst-size>0</burst-size></limits>"
              "<authentication><source-password>hackme</source-password>"
              "<admin-user>admin</admin-user><admin-password>hackme</admin-password></authentication>"
              "<hostname>127.0.0.1</hostname><listen-socket><port>" << port
           << "</port><bind-address>127.0.0.1</bind-address></listen-socket>"
              "<paths><basedir>/usr/share/icecast2</basedir><logdir>" << scratch / ""
           << "</logdir><webroot>/usr/share/icecast2/web</webroot>"
              "<adminroot>/usr/share/icecast2/admin</adminroot></paths>"
              "<logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog>"
              "<loglevel>2</loglevel></logging><security><chroot>0</chroot>"
              "<changeowner><user>nobody</user><group>nogroup</group></changeowner></security>"
              "</icecast>\n";
  }
  const pid_t server = spawn({"icecast2", "-c", scratch / "icecast.xml"});
  BOOST_TEST_REQUIRE(server > 0, "icecast2 is not installed (scripts/setup installs it)");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!port_open(port) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  BOOST_TEST_REQUIRE(port_open(port));

  // 14 s of the demo mix 6 dB down, streamed in real time.
  const std::string input = demo_at(scratch, -6.0, 14.0);
  const pid_t station = spawn({script("radio-icecast"), input, "127.0.0.1", std::to_string(port)});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const std::string heard = scratch / "heard.wav";
  capture("timeout 30 ffmpeg -v quiet -nostdin -i http://127.0.0.1:" + std::to_string(port) +
          "/lacquer.ogg -f wav " + heard);
  const int station_code = wait_exit(station);
  kill(server, SIGTERM);
  wait_exit(server);
  BOOST_TEST(station_code == 0);

  const Planar audio = decode(heard);
  BOOST_TEST_REQUIRE(audio[0].size() >= std::size_t(8 * 48000));  // the listener heard >= 8 s
  const double integrated = ffmpeg_integrated_lufs(heard);
  const double true_peak = TruePeak16().peak_db(audio);
  BOOST_TEST_MESSAGE("radio-icecast, as heard: " << double(audio[0].size()) / 48000 << " s, "
                                                 << integrated << " LUFS, " << true_peak << " dBTP");
  BOOST_TEST(std::abs(integrated - -16.0) <= 1.0);
  BOOST_TEST(true_peak <= -1.0);
}

BOOST_AUTO_TEST_SUITE_END()
