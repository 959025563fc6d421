// io/file_lock: a second holder waits until the first lets go (sweep trials preparing one cache).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "io/file_lock.h"

namespace fs = std::filesystem;

TEST(FileLock, SecondHolderWaitsForTheFirst) {
  const fs::path dir = fs::temp_directory_path() / ("gtrain_lock_" + std::to_string(::getpid()));
  const std::string path = (dir / "sub" / "cache.lock").string();  // the folder is created
  std::atomic<bool> second_held{false};
  std::thread t;
  {
    gtrain::FileLock first(path, "test cache");
    t = std::thread([&] {
      gtrain::FileLock second(path, "test cache");  // its own open file: flock conflicts
      second_held = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_FALSE(second_held.load()) << "the second lock was granted while the first was held";
  }
  t.join();
  EXPECT_TRUE(second_held.load());
  EXPECT_TRUE(fs::exists(path));
  fs::remove_all(dir);
}

TEST(FileLock, UnwritableFolderIsAnError) {
  EXPECT_THROW(gtrain::FileLock("/proc/gtrain-no-such/x.lock", "test"), std::exception);
}
