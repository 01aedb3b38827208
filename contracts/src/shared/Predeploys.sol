// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Predeploys
/// @notice Fixed addresses shared by the L1 settlement contracts and the L2 genesis. They are
///         constants (not constructor arguments) because the L2 side is installed as runtime
///         code in the genesis alloc, where no constructor ever runs, and because both layers
///         must agree on them without any configuration.
library Predeploys {
    /// @notice The L2 standard bridge: the L2 end of every ERC-20 deposit and withdrawal.
    address internal constant L2_STANDARD_BRIDGE = 0x4200000000000000000000000000000000000010;

    /// @notice Holds the latest L1 block attributes, written by the depositor every L2 block.
    address internal constant L1_BLOCK = 0x4200000000000000000000000000000000000015;

    /// @notice Records withdrawals in its storage; L1 proves them against that storage root.
    address internal constant L2_TO_L1_MESSAGE_PASSER = 0x4200000000000000000000000000000000000016;

    /// @notice The sender of the system transaction that updates {L1_BLOCK}; it has no key.
    address internal constant DEPOSITOR = 0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001;
}
