# CPack: `cpack -G DEB` in the build folder makes two Debian packages,
# eventhost (the executable and the example plugins) and eventhost-sdk-dev
# (the plugin SDK), from the install components of EventhostInstall.cmake.
# Run-time library dependencies are computed by dpkg-shlibdeps; the SDK's
# build-time ones (a compiler, CMake, nlohmann-json for plugin.hpp) are
# listed by hand.
set(CPACK_PACKAGE_NAME eventhost)
set(CPACK_PACKAGE_VENDOR "eventhost")
set(CPACK_PACKAGE_CONTACT "eventhost maintainers <eventhost@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_COMPONENTS_ALL eventhost eventhost-sdk-dev)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Debug info stays in the build tree; the packages ship stripped binaries.
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)

set(CPACK_DEBIAN_EVENTHOST_PACKAGE_NAME eventhost)
set(CPACK_DEBIAN_EVENTHOST_PACKAGE_SECTION utils)
set(CPACK_COMPONENT_EVENTHOST_DESCRIPTION
  "Native event plugin host: the eventhost command and example plugins")

set(CPACK_DEBIAN_EVENTHOST-SDK-DEV_PACKAGE_NAME eventhost-sdk-dev)
set(CPACK_DEBIAN_EVENTHOST-SDK-DEV_PACKAGE_DEPENDS
  "eventhost (= ${PROJECT_VERSION}), nlohmann-json3-dev (>= 3.10), cmake (>= 3.25), g++ | c++-compiler")
set(CPACK_COMPONENT_EVENTHOST-SDK-DEV_DESCRIPTION
  "Plugin SDK for eventhost: headers, CMake package, test harness")

include(CPack)
